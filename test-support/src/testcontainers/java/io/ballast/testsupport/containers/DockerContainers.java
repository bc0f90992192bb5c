package io.ballast.testsupport.containers;

import io.ballast.local.LocalDatabase;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.TestInfrastructure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The tests' Kafka broker and PostgreSQL server in containers on a Docker engine, through Testcontainers: built into
 * test-support by the Maven profile {@code testcontainers} only, and loaded by name by {@link TestInfrastructure}.
 * The images are pinned to the versions the build already runs: Kafka as the kafka-clients and in-process broker of
 * the build, PostgreSQL as the embedded server's binaries.
 */
public final class DockerContainers implements TestInfrastructure.Containers {

    static final DockerImageName KAFKA_IMAGE = DockerImageName.parse("apache/kafka:4.1.1");
    static final DockerImageName POSTGRES_IMAGE = DockerImageName.parse("postgres:17.6");

    private static final String SUPERUSER = "postgres";
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private static Boolean dockerReachable;

    /** For {@link TestInfrastructure}, which loads this class by name. */
    public DockerContainers() {}

    @Override
    public Broker startKafka() {
        requireDockerEngine();
        // As the in-process broker is configured (local-runtime's KafkaBroker): Testcontainers already gives the
        // internal topics a replication factor of 1 and groups no initial rebalance delay.
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE).withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true");
        kafka.start();
        String bootstrapServers = kafka.getBootstrapServers();
        return new Broker() {
            @Override
            public String bootstrapServers() {
                return bootstrapServers;
            }

            @Override
            public void close() {
                kafka.stop();
            }
        };
    }

    @Override
    public TestInfrastructure.DatabaseServer startPostgres() {
        requireDockerEngine();
        // As the embedded server is configured (local-runtime's LocalDatabase).
        PostgreSQLContainer postgres = new PostgreSQLContainer(POSTGRES_IMAGE)
                .withDatabaseName(SUPERUSER)
                .withUsername(SUPERUSER)
                .withPassword(SUPERUSER)
                .withCommand("postgres", "-c", "fsync=off", "-c", "max_connections=200");
        postgres.start();
        return new TestInfrastructure.DatabaseServer() {
            @Override
            public LocalDatabase.Database create(String name) {
                if (!DATABASE_NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException(
                            "database name '" + name + "' is not a plain lower-case identifier");
                }
                try (Connection connection = DriverManager.getConnection(postgres.getJdbcUrl(), SUPERUSER, SUPERUSER);
                        Statement statement = connection.createStatement()) {
                    statement.execute("CREATE DATABASE " + name);
                } catch (SQLException e) {
                    throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
                }
                return new LocalDatabase.Database(
                        "jdbc:postgresql://" + postgres.getHost() + ":"
                                + postgres.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT) + "/" + name,
                        SUPERUSER,
                        SUPERUSER);
            }

            @Override
            public void close() {
                postgres.stop();
            }
        };
    }

    /**
     * Fails with one line, once asked and every time after, when Testcontainers finds no Docker engine. Its own account
     * of the places it looked (an ERROR of several lines) is held back while it looks, where the test JVM logs through
     * {@code java.util.logging} as Ballast's do: the line says it.
     */
    static synchronized void requireDockerEngine() {
        if (dockerReachable == null) {
            Logger testcontainers = Logger.getLogger("org.testcontainers");
            Level level = testcontainers.getLevel();
            testcontainers.setLevel(Level.OFF);
            // Testcontainers finds its ways to a Docker engine through the context class loader, which is Quarkus'
            // when DockerEngineCheck runs before a @QuarkusTest: they must be this class's, as its own classes are.
            Thread thread = Thread.currentThread();
            ClassLoader contextLoader = thread.getContextClassLoader();
            thread.setContextClassLoader(DockerContainers.class.getClassLoader());
            try {
                dockerReachable = DockerClientFactory.instance().isDockerAvailable();
            } finally {
                thread.setContextClassLoader(contextLoader);
                testcontainers.setLevel(level);
            }
        }
        if (!dockerReachable) {
            throw new TestInfrastructure.Unavailable("-Ptestcontainers needs a Docker engine and Testcontainers"
                    + " reaches none (DOCKER_HOST, /var/run/docker.sock, ~/.testcontainers.properties): start one,"
                    + " or run without the profile for the in-process Kafka broker and embedded PostgreSQL");
        }
    }
}
