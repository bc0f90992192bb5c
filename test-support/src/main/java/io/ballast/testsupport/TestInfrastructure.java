package io.ballast.testsupport;

import io.ballast.local.KafkaBroker;
import io.ballast.local.KafkaTopics;
import io.ballast.local.LocalDatabase;
import java.lang.reflect.InvocationTargetException;

/**
 * Where the tests' Kafka broker and PostgreSQL server come from, as the system property {@value #PROPERTY} says:
 * {@value #LOCAL} (the default) for the local runtime's in-process broker and embedded PostgreSQL, or
 * {@value #TESTCONTAINERS} for containers on a Docker engine. The Maven profile {@code testcontainers} sets the
 * property for the tests and builds the containers' code ({@code src/testcontainers/java}) into test-support;
 * without the profile neither that code nor Testcontainers is on the class path, and this class never loads them.
 */
public final class TestInfrastructure {

    /** The system property that chooses. */
    public static final String PROPERTY = "ballast.test.infrastructure";

    /** The in-process broker and embedded PostgreSQL of the local runtime. */
    public static final String LOCAL = "local";

    /** Containers on a Docker engine, through Testcontainers. */
    public static final String TESTCONTAINERS = "testcontainers";

    /** Built into test-support by the {@code testcontainers} profile only. */
    private static final String CONTAINERS_CLASS = "io.ballast.testsupport.containers.DockerContainers";

    private static Containers containers;

    private TestInfrastructure() {}

    /** A PostgreSQL server of its own, in a container. */
    public interface DatabaseServer extends AutoCloseable {

        /** Creates the database {@code name} (a plain lower-case identifier) and returns how to reach it. */
        LocalDatabase.Database create(String name);

        /** Stops and removes the container. */
        @Override
        void close();
    }

    /** What the {@code testcontainers} profile's code provides; each start fails first when no Docker engine answers. */
    public interface Containers {

        /** A Kafka broker of its own, in a container. */
        Broker startKafka();

        DatabaseServer startPostgres();
    }

    /**
     * Whether the tests get their broker and database from containers.
     *
     * @throws IllegalArgumentException if {@value #PROPERTY} is set to something else than the two choices
     */
    public static boolean fromContainers() {
        return fromContainers(System.getProperty(PROPERTY));
    }

    /** What {@link #fromContainers()} makes of the property's value ({@code null} when unset). */
    static boolean fromContainers(String choice) {
        String chosen = choice == null ? LOCAL : choice.strip();
        return switch (chosen) {
            case LOCAL, "" -> false;
            case TESTCONTAINERS -> true;
            default ->
                throw new IllegalArgumentException(
                        PROPERTY + " must be " + LOCAL + " or " + TESTCONTAINERS + ", not '" + chosen + "'");
        };
    }

    /**
     * A Kafka broker of the caller's own with Ballast's topics, {@code partitions} each: in a container under the
     * {@code testcontainers} profile, the local runtime's in-process broker otherwise. Closing it stops it.
     */
    public static Broker startKafka(int partitions) {
        if (!fromContainers()) {
            KafkaBroker broker = KafkaBroker.start();
            try {
                broker.createBallastTopics(partitions);
            } catch (RuntimeException e) {
                broker.stop();
                throw e;
            }
            return Broker.of(broker);
        }
        Broker container = containers().startKafka();
        try {
            KafkaTopics.createOneBroker(container.bootstrapServers(), partitions);
        } catch (RuntimeException e) {
            container.close();
            throw e;
        }
        return container;
    }

    /**
     * The containers' code, loaded once by name: it is only there when test-support was built with the
     * {@code testcontainers} profile.
     *
     * @throws Unavailable if it is not there
     */
    public static synchronized Containers containers() {
        if (containers == null) {
            try {
                containers = (Containers)
                        Class.forName(CONTAINERS_CLASS).getConstructor().newInstance();
            } catch (ClassNotFoundException e) {
                throw new Unavailable(PROPERTY + "=" + TESTCONTAINERS
                        + " but test-support was built without the Maven profile testcontainers, which builds the"
                        + " containers' code into it: build it with -Ptestcontainers");
            } catch (NoClassDefFoundError e) {
                throw new Unavailable(PROPERTY + "=" + TESTCONTAINERS + " but Testcontainers is not on this test's"
                        + " class path (" + e.getMessage() + "), which the Maven profile testcontainers puts there:"
                        + " run with -Ptestcontainers");
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("could not load " + CONTAINERS_CLASS + ": " + e.getMessage(), e);
            }
        }
        return containers;
    }

    /**
     * The failure of a test that holds the in-process broker, {@code Class.field} annotated {@link InjectKafkaBroker},
     * under containers: a container is not a {@code KafkaBroker}.
     */
    public static Unavailable inProcessBrokerHeld(String field) {
        return new Unavailable(field + " holds the in-process KafkaBroker (@InjectKafkaBroker), which the broker in a"
                + " container of -Ptestcontainers is not: run this test without the profile");
    }

    /**
     * The tests' infrastructure cannot be had as chosen (no Docker engine, say). Its message is the whole story, so
     * it carries no stack trace: a test fails with this one line.
     */
    public static final class Unavailable extends RuntimeException {

        private static final long serialVersionUID = 1L;

        public Unavailable(String message) {
            super(message, null, false, false);
        }
    }
}
