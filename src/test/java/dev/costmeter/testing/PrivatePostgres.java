package dev.costmeter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of a test's own, on a free port, that the test may stop and start: fault
 * tests take this one down, never the shared server on 5432. Needs the PostgreSQL server binaries
 * (Debian's postgresql package); as root, the cluster runs as the {@code postgres} user.
 */
public final class PrivatePostgres implements AutoCloseable {

    private final Path root;
    private final Path data;
    private final Path bin;
    private final int port;

    private PrivatePostgres(Path root, Path bin, int port) {
        this.root = root;
        this.data = root.resolve("data");
        this.bin = bin;
        this.port = port;
    }

    /** Creates the cluster (initdb, trust authentication) and starts it. */
    public static PrivatePostgres start() {
        try {
            Path root = Files.createTempDirectory("costmeter-private-pg-");
            PrivatePostgres pg = new PrivatePostgres(root, serverBinaries(), RealKafkaBroker.freePort());
            if (asRoot()) {
                run(List.of("chown", "-R", "postgres", root.toString()));
            }
            pg.runAsOwner(pg.bin.resolve("initdb") + " -D " + pg.data + " -U postgres --auth=trust -E UTF8 --no-sync --no-instructions");
            pg.startServer();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Starts the server and waits until it accepts connections. */
    public void startServer() {
        runAsOwner(bin.resolve("pg_ctl") + " -D " + data + " -l " + root.resolve("server.log") + " -w -t 60 -o '-p " + port
                + " -k " + root + " -c listen_addresses=127.0.0.1 -c fsync=off' start");
    }

    /** Stops the server as an operator would for maintenance (fast shutdown: connections are cut). */
    public void stopServer() {
        runAsOwner(bin.resolve("pg_ctl") + " -D " + data + " -m fast -w -t 60 stop");
    }

    @Override
    public void close() {
        try {
            stopServer();
        } catch (RuntimeException e) {
            // already stopped
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }

    private void runAsOwner(String command) {
        run(asRoot() ? List.of("su", "postgres", "-c", command) : List.of("sh", "-c", command));
    }

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Path serverBinaries() throws IOException {
        Path versions = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(versions)) {
            throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql");
        }
        try (Stream<Path> dirs = Files.list(versions)) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/initdb")))
                    .max(Comparator.comparingInt(d -> Integer.parseInt(d.getFileName().toString().replaceAll("\\D", "0"))))
                    .map(d -> d.resolve("bin"))
                    .orElseThrow(() -> new IllegalStateException("no initdb under /usr/lib/postgresql/*/bin"));
        }
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
