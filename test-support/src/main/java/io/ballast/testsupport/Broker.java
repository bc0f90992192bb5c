package io.ballast.testsupport;

import io.ballast.local.KafkaBroker;
import java.util.Optional;

/**
 * The tests' Kafka broker, wherever it runs: the local runtime's in-process broker, or a container under the
 * {@code testcontainers} profile ({@link TestInfrastructure#startKafka(int)}). A test that only needs to reach the
 * broker holds this; one that stops or restarts it holds the in-process {@link KafkaBroker}, which a container is not.
 */
public interface Broker extends AutoCloseable {

    /** {@code host:port} for clients. */
    String bootstrapServers();

    /** Stops the broker (and removes its container). */
    @Override
    void close();

    /** The local runtime's broker this is, to stop or restart; empty for a container. */
    default Optional<KafkaBroker> inProcess() {
        return Optional.empty();
    }

    /** {@code broker} as a {@link Broker}. */
    static Broker of(KafkaBroker broker) {
        return new Broker() {
            @Override
            public String bootstrapServers() {
                return broker.bootstrapServers();
            }

            @Override
            public void close() {
                broker.stop();
            }

            @Override
            public Optional<KafkaBroker> inProcess() {
                return Optional.of(broker);
            }
        };
    }
}
