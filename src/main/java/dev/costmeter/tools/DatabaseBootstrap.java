package dev.costmeter.tools;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates costmeter's PostgreSQL database if it does not exist yet (Flyway then creates the
 * schema). Used by {@code ./costmeter serve} and the tests; in production the database is
 * provisioned by whoever runs PostgreSQL.
 */
public final class DatabaseBootstrap {

    private DatabaseBootstrap() {
    }

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : env("COSTMETER_DB_URL", "jdbc:postgresql://127.0.0.1:5432/costmeter");
        try {
            if (ensureDatabase(url, env("COSTMETER_DB_USER", "postgres"), env("COSTMETER_DB_PASSWORD", ""))) {
                System.out.println("created database " + url);
            }
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
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
