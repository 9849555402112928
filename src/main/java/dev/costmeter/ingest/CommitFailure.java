package dev.costmeter.ingest;

import dev.costmeter.publish.PricedPublisher;
import dev.costmeter.storage.StaleBatchException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

import java.net.SocketException;
import java.sql.SQLException;

/**
 * Why a commit failed, and therefore what the ingest loop does next (the taxonomy of Kafka's
 * {@code ExactlyOnceMessageProcessor}, applied to a PostgreSQL-and-Kafka commit): a dependency that
 * is away is waited for, a batch that another consumer overtook is re-read, a batch that fails on its
 * own content is split until the record that breaks it is found and set aside, and a client that can
 * never work again stops the loop so that liveness says so.
 */
enum CommitFailure {
    /** Another consumer committed these partitions first: re-read from the stored offsets, at once. */
    STALE,
    /** PostgreSQL or Kafka is unreachable, overloaded, restarting or holding a lock: retry with backoff. */
    TRANSIENT,
    /** Not explained by a dependency: perhaps one record of the batch. Split the batch to find it. */
    SUSPECT,
    /**
     * The Kafka producer is unusable for good (fenced, or a protocol the broker lacks), or the thread
     * that sends the priced records has ended: only a restart helps.
     */
    FATAL;

    /**
     * @param databaseReachable asked only when the failure itself does not say: an unexplained error
     *                          while PostgreSQL does not answer is the outage, not the batch
     */
    static CommitFailure of(Throwable failure, java.util.function.BooleanSupplier databaseReachable) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StaleBatchException) {
                return STALE;
            }
            if (t instanceof ProducerFencedException || t instanceof UnsupportedVersionException || t instanceof PricedPublisher.Stopped) {
                return FATAL;
            }
            // Not fatal for an idempotent producer without a transactional id, which is costmeter's:
            // Kafka's client bumps the epoch and goes on (its javadoc). The batch's records may be
            // lost to the topic, so the commit is rolled back and they are sent again. Seen when a
            // freshly created partition answers NOT_LEADER to a first batch and takes the next ones.
            if (t instanceof OutOfOrderSequenceException) {
                return TRANSIENT;
            }
            if (t instanceof RetriableException || t instanceof SocketException || t instanceof java.net.ConnectException) {
                return TRANSIENT;
            }
            if (t instanceof SQLException sql && transientSqlState(sql.getSQLState())) {
                return TRANSIENT;
            }
        }
        return databaseReachable.getAsBoolean() ? SUSPECT : TRANSIENT;
    }

    /**
     * SQLSTATE classes that say nothing about the data: connection (08), resources (53), operator
     * intervention and shutdown (57), transaction rollback incl. deadlock and serialization (40),
     * lock not available (55P03), idle-in-transaction timeout (25P03), system I/O (58).
     */
    static boolean transientSqlState(String state) {
        if (state == null || state.length() != 5) {
            return false;
        }
        return switch (state.substring(0, 2)) {
            case "08", "53", "57", "40", "58" -> true;
            default -> state.equals("55P03") || state.equals("25P03");
        };
    }
}
