package io.ballast.testsupport;

import io.ballast.local.KafkaBroker;
import io.ballast.local.KafkaTopics;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: a real Kafka broker of its own for the application under test, with Ballast's topics. Tests
 * reach the broker through a field annotated {@link InjectKafkaBroker}, e.g. to stop it.
 *
 * <p>Under the {@code testcontainers} profile ({@link TestInfrastructure}) the broker runs in a container. A container
 * is not a {@link KafkaBroker} (the local runtime's in-process broker), so a test that holds one through
 * {@link InjectKafkaBroker} fails there, saying so in one line.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    private KafkaBroker broker;
    private TestInfrastructure.Broker container;

    @Override
    public Map<String, String> start() {
        String bootstrapServers;
        if (TestInfrastructure.fromContainers()) {
            container = TestInfrastructure.containers().startKafka();
            bootstrapServers = container.bootstrapServers();
            KafkaTopics.createOneBroker(bootstrapServers, 1);
        } else {
            broker = KafkaBroker.start();
            broker.createBallastTopics(1);
            bootstrapServers = broker.bootstrapServers();
        }
        return Map.of("kafka.bootstrap.servers", bootstrapServers);
    }

    @Override
    public void inject(TestInjector testInjector) {
        var brokerField = new TestInjector.AnnotatedAndMatchesType(InjectKafkaBroker.class, KafkaBroker.class);
        if (container == null) {
            testInjector.injectIntoFields(broker, brokerField);
            return;
        }
        testInjector.injectIntoFields(null, field -> {
            if (brokerField.test(field)) {
                throw TestInfrastructure.inProcessBrokerHeld(
                        field.getDeclaringClass().getSimpleName() + "." + field.getName());
            }
            return false;
        });
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.stop();
        }
        if (container != null) {
            container.close();
        }
    }
}
