package dev.costmeter.testing;

import dev.costmeter.tools.DatabaseBootstrap;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

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

    @Override
    public Map<String, String> start() {
        ensureDatabase(url());
        return Map.of("quarkus.datasource.jdbc.url", url(), "quarkus.datasource.username", user());
    }

    @Override
    public void stop() {
    }
}
