package dev.costmeter.tools;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the broker took of a tool's sends: the count it refused and the first reason, so that a
 * command never reports records as published that the broker did not acknowledge.
 */
final class Acknowledgements implements Callback {

    private final AtomicLong refused = new AtomicLong();
    private final AtomicReference<Exception> firstReason = new AtomicReference<>();

    @Override
    public void onCompletion(RecordMetadata metadata, Exception e) {
        if (e != null) {
            refused.incrementAndGet();
            firstReason.compareAndSet(null, e);
        }
    }

    /** A sentence for the user, or null when every record was acknowledged; call after the producer's flush. */
    String problem(long sent) {
        long n = refused.get();
        return n == 0 ? null : "the broker did not take " + n + " of " + sent + " record(s) (the first: " + firstReason.get()
                + "); they were not published: send them again";
    }
}
