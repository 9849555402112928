package dev.costmeter.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;

/**
 * Creates costmeter's PostgreSQL database if it does not exist yet (Flyway then creates the
 * schema). Used by {@code ./costmeter serve} and the tests; in production the database is
 * provisioned by whoever runs PostgreSQL.
 */
@Command(name = "database-bootstrap",
        description = "Creates costmeter's database if it is missing (user COSTMETER_DB_USER, password COSTMETER_DB_PASSWORD).")
public final class DatabaseBootstrap implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Commands.Help help;


    @Parameters(paramLabel = "JDBC_URL", arity = "0..1", description = "Default: COSTMETER_DB_URL, else jdbc:postgresql://127.0.0.1:5432/costmeter.")
    String url = env("COSTMETER_DB_URL", "jdbc:postgresql://127.0.0.1:5432/costmeter");

    public static void main(String[] args) {
        System.exit(Commands.execute(Commands.line(new DatabaseBootstrap(), System.out, System.err), args, System.err));
    }

    @Override
    public Integer call() {
        try {
            if (ensureDatabase(url, env("COSTMETER_DB_USER", "postgres"), env("COSTMETER_DB_PASSWORD", ""))) {
                System.out.println("created database " + url);
            }
            return 0;
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    /** @return true if the database was created, false if it existed */
    public static boolean ensureDatabase(String url, String user, String password) {
        int slash = url.lastIndexOf('/');
        String name = url.substring(slash + 1).replaceAll("\\?.*", "");
        String maintenance = url.substring(0, slash + 1) + "postgres";
        try (Connection c = DriverManager.getConnection(maintenance, user, password);
             PreparedStatement exists = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, name);
            try (ResultSet rs = exists.executeQuery()) {
                if (rs.next()) {
                    return false;
                }
            }
            try (Statement create = c.createStatement()) {
                create.execute("create database \"" + name.replace("\"", "") + "\"");
            }
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL is not reachable at " + maintenance + " as " + user
                    + ": " + e.getMessage() + "\nStart it (e.g. pg_ctlcluster 15 main start) or set COSTMETER_DB_URL.", e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
