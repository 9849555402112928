package dev.costmeter.publish;

import dev.costmeter.pricing.PricedEvent;
import org.apache.kafka.common.errors.TimeoutException;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The priced topic's own thread. The ingest thread, the pipeline's one serial step, hands each
 * priced event over and goes on to the next record; the {@code costmeter-publish} thread writes the
 * priced records ({@link PricedEventWriter}) and gives them to the producer, in the order they
 * were handed over. A commit waits until every event of its batch has been given to the producer
 * ({@link #awaitSent}) before it waits for the broker's acknowledgements, so the priced topic stays
 * at-least-once for every committed event, as when the ingest thread sent them itself.
 *
 * <p>Events travel in chunks: the ingest thread fills one and hands it over when it is full or
 * when {@link #handOff} asks (after every poll, and when a batch is handed to the commit thread),
 * so an event waits at most one poll. At most {@link #CHUNKS_WAITING} chunks wait; beyond that
 * the ingest thread waits for the publisher, which bounds the memory the priced events hold.
 *
 * <p>A record the producer refuses ({@code send} throwing) goes to {@code failures}, which fails
 * the next commit (it is rolled back and read again); the thread goes on with the next record.
 * A commit that waits too long fails as a Kafka timeout would: the broker is away or slow, so it is
 * retried, not blamed on a record of the batch. If the thread itself ends (an {@link Error}),
 * {@link #stopped} says why, and waiting, and handing over once the queue is full, fail at once with
 * {@link Stopped}, which only a restart mends: the ingest loop ends and liveness goes DOWN.
 */
public final class PricedPublisher {

    private static final Logger LOG = Logger.getLogger(PricedPublisher.class);

    /** Events per chunk: a chunk is handed over when full. */
    static final int CHUNK_EVENTS = 1024;
    /** Chunks that may wait for the publisher before the ingest thread waits. */
    static final int CHUNKS_WAITING = 16;

    /** How long a commit waits for its batch's priced events to reach the producer before it fails and is retried. */
    static final long SEND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Gives one priced record to the producer: key (the event id) and value. */
    @FunctionalInterface
    public interface Sender {
        void send(byte[] key, byte[] value);
    }

    /**
     * Events handed over up to a point, for a commit to wait for before it waits for the broker's
     * acknowledgements: {@link #awaitSent()} returns once all of them are the producer's.
     */
    @FunctionalInterface
    public interface HandedOver {
        void awaitSent() throws UsageOutputs.OutputException;

        /** Nothing to wait for: the priced topic is off. */
        HandedOver NOTHING = () -> {
        };
    }

    private static final class Chunk {
        final PricedEvent[] events = new PricedEvent[CHUNK_EVENTS];
        final byte[][] originals = new byte[CHUNK_EVENTS][];
        final String[] topics = new String[CHUNK_EVENTS];
        final int[] partitions = new int[CHUNK_EVENTS];
        final long[] offsets = new long[CHUNK_EVENTS];
        int size;
        /** The sequence number of the chunk's last event: events handed over so far, this one included. */
        long through;
    }

    private static final Chunk STOP = new Chunk();

    /** The publisher thread has ended, so no priced event will be sent again until the process restarts. */
    public static final class Stopped extends IllegalStateException {
        public Stopped(Throwable why) {
            super("the priced-event publisher stopped: " + why, why);
        }
    }

    private final PricedEventWriter writer;
    private final Sender sender;
    private final Consumer<RuntimeException> failures;
    private final BlockingQueue<Chunk> waiting = new ArrayBlockingQueue<>(CHUNKS_WAITING);
    private final Thread thread;
    private final Object sentMonitor = new Object();

    // the ingest thread's (the one thread that hands over)
    private Chunk filling = new Chunk();
    private long handedOver;

    // the publisher thread's, read by waiters
    private volatile long sent;
    private volatile Throwable stopped;

    /**
     * @param failures told of each record the producer refused, on the publisher thread
     */
    public PricedPublisher(PricedEventWriter writer, Sender sender, Consumer<RuntimeException> failures) {
        this.writer = writer;
        this.sender = sender;
        this.failures = failures;
        this.thread = new Thread(this::run, "costmeter-publish");
        thread.setDaemon(true);
        thread.start();
    }

    /** Hands one priced event over (ingest thread). It waits only when {@link #CHUNKS_WAITING} chunks already wait. */
    public void publish(PricedEvent priced, byte[] originalEvent, String originTopic, int originPartition, long originOffset) {
        Chunk c = filling;
        int i = c.size;
        c.events[i] = priced;
        c.originals[i] = originalEvent;
        c.topics[i] = originTopic;
        c.partitions[i] = originPartition;
        c.offsets[i] = originOffset;
        c.size = i + 1;
        if (c.size == CHUNK_EVENTS) {
            handOff();
        }
    }

    /**
     * Hands over the events not handed over yet (ingest thread).
     *
     * @return every event handed over so far, for a commit to wait for
     */
    public HandedOver handOff() {
        Chunk c = filling;
        if (c.size > 0) {
            handedOver += c.size;
            c.through = handedOver;
            enqueue(c);
            filling = new Chunk();
        }
        long through = handedOver;
        return () -> awaitSent(through, SEND_TIMEOUT_NANOS);
    }

    private void enqueue(Chunk c) {
        try {
            while (!waiting.offer(c, 100, TimeUnit.MILLISECONDS)) {
                throwIfStopped();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handing priced events to the publisher", e);
        }
    }

    /**
     * Waits until the first {@code sequence} events handed over have been given to the producer.
     * Their acknowledgements are the producer's to wait for ({@code flush}).
     *
     * @throws UsageOutputs.OutputException if they were not within {@code timeoutNanos}, or the publisher stopped
     */
    void awaitSent(long sequence, long timeoutNanos) throws UsageOutputs.OutputException {
        if (sent >= sequence) {
            return;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (sentMonitor) {
            while (sent < sequence) {
                if (stopped != null) {
                    Stopped why = new Stopped(stopped);
                    throw new UsageOutputs.OutputException(why.getMessage(), why);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    String message = "priced events not handed to Kafka within "
                            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (" + sent + " of " + sequence + ")";
                    throw new UsageOutputs.OutputException(message, new TimeoutException(message));
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(sentMonitor, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UsageOutputs.OutputException("interrupted while waiting for the priced-event publisher", e);
                }
            }
        }
    }

    /** Why the publisher thread ended, or null while it runs. */
    public Throwable stopped() {
        return stopped;
    }

    /** Sends what was handed over, then ends the thread (at shutdown, after the last commit). */
    public void close(long timeoutMillis) {
        if (stopped == null && thread.isAlive()) {
            try {
                if (waiting.offer(STOP, timeoutMillis, TimeUnit.MILLISECONDS)) {
                    thread.join(timeoutMillis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void throwIfStopped() {
        Throwable why = stopped;
        if (why != null) {
            throw new Stopped(why);
        }
    }

    private void run() {
        try {
            while (true) {
                Chunk c = waiting.take();
                if (c == STOP) {
                    return;
                }
                for (int i = 0; i < c.size; i++) {
                    PricedEvent priced = c.events[i];
                    try {
                        byte[] value = writer.write(priced, c.originals[i], c.topics[i], c.partitions[i], c.offsets[i]);
                        sender.send(priced.event().id().getBytes(StandardCharsets.UTF_8), value);
                    } catch (RuntimeException e) { // the producer closed or refused it: the next commit fails and reads again
                        failures.accept(e);
                    }
                }
                synchronized (sentMonitor) {
                    sent = c.through;
                    sentMonitor.notifyAll();
                }
            }
        } catch (Throwable e) { // an Error, or an interrupt: nothing this thread can mend
            stopped = e;
            LOG.error("the priced-event publisher stopped; the ingest loop ends and liveness is DOWN so that the process is restarted", e);
            if (e instanceof Error error) {
                throw error;
            }
        } finally {
            synchronized (sentMonitor) {
                if (stopped == null) {
                    stopped = new IllegalStateException("closed");
                }
                sentMonitor.notifyAll();
            }
        }
    }
}
