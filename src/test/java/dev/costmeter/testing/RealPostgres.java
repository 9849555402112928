package dev.costmeter.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The real PostgreSQL server (127.0.0.1:5432 unless COSTMETER_TEST_DB_URL says otherwise). Creates
 * the test database if it does not exist; Flyway cleans and migrates it at start.
 */
public class RealPostgres implements QuarkusTestResourceLifecycleManager {

    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/costmeter_test";

    public static String url() {
        String url = System.getenv("COSTMETER_TEST_DB_URL");
        return url == null || url.isBlank() ? DEFAULT_URL : url;
    }

    public static String user() {
        String user = System.getenv("COSTMETER_DB_USER");
        return user == null || user.isBlank() ? "postgres" : user;
    }

    /** Creates the database named in {@code url} if missing, via the server's {@code postgres} database. */
    public static void ensureDatabase(String url) {
        int slash = url.lastIndexOf('/');
        String name = url.substring(slash + 1).replaceAll("\\?.*", "");
        String admin = url.substring(0, slash + 1) + "postgres";
        try (Connection c = DriverManager.getConnection(admin, user(), System.getenv().getOrDefault("COSTMETER_DB_PASSWORD", ""));
             PreparedStatement exists = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, name);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next()) {
                    try (Statement create = c.createStatement()) {
                        create.execute("create database \"" + name.replace("\"", "") + "\"");
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL is not reachable at " + admin
                    + " (start it, or set COSTMETER_TEST_DB_URL): " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, String> start() {
        ensureDatabase(url());
        return Map.of("quarkus.datasource.jdbc.url", url(), "quarkus.datasource.username", user());
    }

    @Override
    public void stop() {
    }
}
