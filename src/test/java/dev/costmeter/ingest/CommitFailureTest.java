package dev.costmeter.ingest;

import dev.costmeter.publish.PricedPublisher;
import dev.costmeter.publish.UsageOutputs;
import dev.costmeter.storage.StaleBatchException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.sql.SQLException;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/** What the ingest loop does after a failed commit, by what failed (docs/reliability.md). */
class CommitFailureTest {

    static CommitFailure whileTheDatabaseAnswers(Throwable t) {
        return CommitFailure.of(t, () -> true);
    }

    @Test
    void anotherConsumerCommittingFirstIsStale() {
        assertThat(whileTheDatabaseAnswers(new StaleBatchException("offsets moved"))).isEqualTo(CommitFailure.STALE);
    }

    @Test
    void aDependencyAwayIsWaitedForHoweverDeepTheCause() {
        assertThat(whileTheDatabaseAnswers(new SQLException("connection refused", "08001"))).isEqualTo(CommitFailure.TRANSIENT);
        assertThat(whileTheDatabaseAnswers(new SQLException("deadlock detected", "40P01"))).isEqualTo(CommitFailure.TRANSIENT);
        assertThat(whileTheDatabaseAnswers(new SQLException("lock not available", "55P03"))).isEqualTo(CommitFailure.TRANSIENT);
        assertThat(whileTheDatabaseAnswers(new RuntimeException(new ExecutionException(new TimeoutException("Expiring 35 record(s)")))))
                .isEqualTo(CommitFailure.TRANSIENT);
        assertThat(whileTheDatabaseAnswers(new NotLeaderOrFollowerException("moving"))).isEqualTo(CommitFailure.TRANSIENT);
        assertThat(whileTheDatabaseAnswers(new IllegalStateException(new ConnectException("refused")))).isEqualTo(CommitFailure.TRANSIENT);
    }

    @Test
    void anOutOfOrderSequenceIsRetriedNotAReasonToStop() {
        // costmeter's producer is idempotent without a transactional id: the client bumps its epoch and goes on
        assertThat(whileTheDatabaseAnswers(new OutOfOrderSequenceException("0 (incoming seq. number), 170 (current end sequence number)")))
                .isEqualTo(CommitFailure.TRANSIENT);
    }

    @Test
    void onlyAProducerThatCanNeverWorkAgainStopsTheLoop() {
        assertThat(whileTheDatabaseAnswers(new ProducerFencedException("fenced"))).isEqualTo(CommitFailure.FATAL);
        assertThat(whileTheDatabaseAnswers(new RuntimeException(new UnsupportedVersionException("old broker")))).isEqualTo(CommitFailure.FATAL);
    }

    @Test
    void aPricedPublisherThatEndedStopsTheLoopAndOneThatIsSlowIsWaitedFor() {
        // not a record of the batch (which would be set aside in the DLQ, one good record after another): gone for good
        PricedPublisher.Stopped stopped = new PricedPublisher.Stopped(new OutOfMemoryError("Java heap space"));
        assertThat(whileTheDatabaseAnswers(new UsageOutputs.OutputException(stopped.getMessage(), stopped))).isEqualTo(CommitFailure.FATAL);
        assertThat(whileTheDatabaseAnswers(stopped)).isEqualTo(CommitFailure.FATAL);
        // what a commit that waited too long for the publisher carries (PricedPublisherTest): the broker is away or slow
        assertThat(whileTheDatabaseAnswers(new UsageOutputs.OutputException("priced events not handed to Kafka within 60000 ms (0 of 1)",
                new TimeoutException("priced events not handed to Kafka within 60000 ms (0 of 1)")))).isEqualTo(CommitFailure.TRANSIENT);
    }

    @Test
    void anUnexplainedErrorIsTheBatchWhileTheDatabaseAnswersAndTheOutageWhileItDoesNot() {
        SQLException refusedValue = new SQLException("invalid byte sequence for encoding \"UTF8\": 0x00", "22021");
        assertThat(CommitFailure.of(refusedValue, () -> true)).isEqualTo(CommitFailure.SUSPECT);
        assertThat(CommitFailure.of(refusedValue, () -> false)).isEqualTo(CommitFailure.TRANSIENT);
        assertThat(CommitFailure.of(new IllegalStateException("?"), () -> true)).isEqualTo(CommitFailure.SUSPECT);
    }
}
