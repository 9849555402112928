package dev.costmeter.bench;

import java.util.Arrays;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The benchmarks' JVMs log as a deployed broker and client do: at INFO, warnings and errors to stderr.
 *
 * <p>Without this, the JBoss LogManager that Quarkus's dependencies put on the classpath starts with
 * Quarkus's initial configuration: every logger at ALL and one handler that holds records until Quarkus
 * configures logging, which in a benchmark's JVM never happens. The embedded broker then formatted
 * each TRACE and DEBUG message of its produce path (a JFR recording of the broker on 2026-12-02: a
 * tenth of its request handlers' samples) and ConsumerPerformance's consumer those of its fetch path,
 * only to drop them. A broker in production logs at INFO; the figures should be of that broker.
 */
final class BenchLogging {

    private BenchLogging() {
    }

    /** Root logger at INFO, one handler that prints warnings and errors to stderr. */
    static void atInfo() {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler stderr = new ConsoleHandler();
        stderr.setLevel(Level.WARNING);
        root.addHandler(stderr);
        root.setLevel(Level.INFO);
    }

    /** {@code BenchLogging MAIN-CLASS ARGS…}: runs another program (Kafka's ConsumerPerformance) logging as above. */
    public static void main(String[] args) throws Throwable {
        atInfo();
        try {
            Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
