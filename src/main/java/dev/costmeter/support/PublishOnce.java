package dev.costmeter.support;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a record at most once per claim, across restarts and instances: a claim statement
 * (an insert that writes one row the first time and none after) and the wait for Kafka's
 * acknowledgement share one PostgreSQL transaction. If Kafka does not take the record, the claim
 * rolls back and the next attempt publishes it; if the process dies after the acknowledgement and
 * before the commit, the record can be published again — so records published this way carry a
 * stable id that consumers (costmeter's own dedup, for usage events) can use.
 */
public final class PublishOnce {

    /** Binds the claim statement's parameters. */
    @FunctionalInterface
    public interface Claim {
        void bind(PreparedStatement statement) throws SQLException;
    }

    private PublishOnce() {
    }

    /** @return true if this call claimed and published, false if the claim was taken before */
    public static boolean publish(DataSource dataSource, String claimSql, Claim claim, KafkaProducer<byte[], byte[]> producer,
                                  ProducerRecord<byte[], byte[]> record) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement statement = c.prepareStatement(claimSql)) {
                claim.bind(statement);
                if (statement.executeUpdate() == 0) {
                    c.rollback();
                    return false; // claimed before, here or on another instance
                }
                producer.send(record).get(30, TimeUnit.SECONDS);
                c.commit();
                return true;
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        }
    }
}
