package io.ballast.testsupport;

import io.ballast.local.KafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: a real Kafka broker of its own for the application under test, with Ballast's topics. Tests
 * reach the broker through a field annotated {@link InjectKafkaBroker}: a {@link Broker} field to reach it, wherever
 * it runs; a {@link KafkaBroker} field to stop or restart the in-process one.
 *
 * <p>Under the {@code testcontainers} profile ({@link TestInfrastructure}) the broker runs in a container. A container
 * is not a {@link KafkaBroker} (the local runtime's in-process broker), so a test that holds one of those through
 * {@link InjectKafkaBroker} fails there, saying so in one line; a {@link Broker} field gets the container.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    private Broker broker;

    @Override
    public Map<String, String> start() {
        broker = TestInfrastructure.startKafka(1);
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(
                broker, new TestInjector.AnnotatedAndMatchesType(InjectKafkaBroker.class, Broker.class));
        var inProcessField = new TestInjector.AnnotatedAndMatchesType(InjectKafkaBroker.class, KafkaBroker.class);
        if (broker.inProcess().isPresent()) {
            testInjector.injectIntoFields(broker.inProcess().get(), inProcessField);
            return;
        }
        testInjector.injectIntoFields(null, field -> {
            if (inProcessField.test(field)) {
                throw TestInfrastructure.inProcessBrokerHeld(
                        field.getDeclaringClass().getSimpleName() + "." + field.getName());
            }
            return false;
        });
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
