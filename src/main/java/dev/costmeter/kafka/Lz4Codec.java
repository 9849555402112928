package dev.costmeter.kafka;

import net.jpountz.lz4.LZ4Factory;
import net.jpountz.util.Native;
import org.jboss.logging.Logger;

/**
 * Which lz4 implementation Kafka's clients compress and decompress with. lz4-java tries its native
 * (JNI) codec by itself only when it was loaded by the system class loader; under Quarkus's class
 * loader it silently takes its pure-Java one, which was a quarter of the ingest thread's samples with
 * the priced topic on (bench/README.md). {@link #useNative()} loads the native codec explicitly;
 * where it cannot load (no build for this platform, a {@code noexec} temp directory, already loaded
 * by another class loader in the same JVM), lz4 stays on pure Java: slower, and its batches just as
 * readable by every consumer.
 */
public final class Lz4Codec {

    private static final Logger LOG = Logger.getLogger(Lz4Codec.class);

    private Lz4Codec() {
    }

    /** Loads the native codec if it can; returns the implementation Kafka will now use, for the log. */
    public static synchronized String useNative() {
        if (!Native.isLoaded()) {
            try {
                Native.load();
            } catch (Throwable cannotLoad) { // UnsatisfiedLinkError, or an I/O error unpacking the library
                LOG.warnf("lz4 compresses in pure Java (its native library did not load: %s); outputs stay correct, "
                        + "compressing costs more CPU. costmeter.outputs.compression=zstd or snappy are native alternatives", cannotLoad);
            }
        }
        return implementation();
    }

    /** {@code JNI} when the native codec is in use, else the Java one's name (as lz4-java names them). */
    public static String implementation() {
        String name = LZ4Factory.fastestInstance().toString(); // e.g. "LZ4Factory:JNI"
        return name.substring(name.indexOf(':') + 1);
    }
}
