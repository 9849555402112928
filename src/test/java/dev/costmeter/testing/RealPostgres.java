package dev.costmeter.testing;

import dev.costmeter.tools.DatabaseBootstrap;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.flywaydb.core.Flyway;

import java.sql.Connection;
import java.sql.DriverManager;
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

    /**
     * A database of a test's own beside the test database, named after it: with the default URL,
     * {@code costmeter_test_crash_it} for the suffix {@code crash_it} (same server, same parameters).
     */
    public static String derived(String suffix) {
        return url().replaceAll("/([^/?]+)(\\?.*)?$", "/$1_" + suffix + "$2");
    }

    public static String user() {
        String user = System.getenv("COSTMETER_DB_USER");
        return user == null || user.isBlank() ? "postgres" : user;
    }

    /** Creates the database named in {@code url} if missing. */
    public static void ensureDatabase(String url) {
        DatabaseBootstrap.ensureDatabase(url, user(), System.getenv().getOrDefault("COSTMETER_DB_PASSWORD", ""));
    }

    /**
     * A database of a test's own ({@link #derived}), emptied and migrated by Flyway to the service's
     * schema, for tests and benchmarks that use the storage classes without the service.
     *
     * @return its JDBC URL
     */
    public static String freshMigrated(String suffix) throws SQLException {
        String url = freshEmpty(suffix);
        Flyway.configure().dataSource(url, user(), "").locations("classpath:db/migration").load().migrate();
        return url;
    }

    /**
     * A database of a test's own ({@link #derived}), created if missing and emptied, for a packaged
     * service to migrate as it starts (the benchmarks).
     *
     * @return its JDBC URL
     */
    public static String freshEmpty(String suffix) throws SQLException {
        String url = derived(suffix);
        ensureDatabase(url);
        try (Connection c = DriverManager.getConnection(url, user(), ""); Statement s = c.createStatement()) {
            s.execute("drop schema if exists public cascade");
            s.execute("create schema public");
        }
        return url;
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
