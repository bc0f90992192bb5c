package io.ballast.testsupport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.google.protobuf.Message;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.ballast.proto.events.Topic;
import io.ballast.support.events.Events;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * What every Ballast service must do once booted against the real broker and database, as tests a service's
 * {@code @QuarkusTest} inherits: health UP with its real checks, Prometheus metrics, OpenAPI and Swagger UI, a gRPC
 * server answering health checks, and a Kafka consumer that skips bad records without stopping.
 */
public abstract class ServiceBootChecks {

    /** Whether the service keeps state in PostgreSQL (and so reports the database in its readiness). */
    public enum Store {
        DATABASE,
        NONE
    }

    private static final Set<String> COMMON_READINESS_CHECKS =
            Set.of("Kafka broker", "SmallRye Reactive Messaging - readiness check", "gRPC Server");
    private static final String DATABASE_READINESS_CHECK = "Database connections health check";

    @InjectKafkaBroker
    protected Broker broker;

    private final Topic consumedTopic;
    private final Store store;

    /**
     * @param consumedTopic a topic the service consumes through the shared codec
     * @param store whether the service has a database
     */
    protected ServiceBootChecks(Topic consumedTopic, Store store) {
        this.consumedTopic = consumedTopic;
        this.store = store;
    }

    @Test
    void healthIsUpWithEveryRealCheck() {
        JsonPath health = given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        Map<String, String> statusByCheck = ReadinessStatus.of(health);
        assertThat(statusByCheck).containsKeys(COMMON_READINESS_CHECKS.toArray(String[]::new));
        if (store == Store.DATABASE) {
            assertThat(statusByCheck).containsKey(DATABASE_READINESS_CHECK);
        } else {
            assertThat(statusByCheck).doesNotContainKey(DATABASE_READINESS_CHECK);
        }
        assertThat(statusByCheck.values()).containsOnly("UP");
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsAreServedForPrometheus() {
        given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("jvm_memory_used_bytes"))
                .body(containsString("ballast_events_skipped_total"));
    }

    @Test
    void openApiAndSwaggerUiAreServed() {
        given().when().get("/q/openapi?format=json").then().statusCode(200).body("openapi", equalTo("3.1.0"));
        given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void grpcHealthIsServingWhileReady() throws InterruptedException {
        try (GrpcHealthClient health = GrpcHealthClient.connect(grpcPort())) {
            assertThat(health.check("")).isEqualTo(ServingStatus.SERVING);
            assertThat(health.check("grpc.health.v1.Health")).isEqualTo(ServingStatus.SERVING);
        }
    }

    @Test
    void grpcHealthOfAnUnknownServiceIsNotFound() throws InterruptedException {
        try (GrpcHealthClient health = GrpcHealthClient.connect(grpcPort())) {
            assertThatThrownBy(() -> health.check("no.such.Service"))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
    }

    @Test
    void badRecordsAreCountedAndSkippedWithoutStoppingTheConsumer() throws Exception {
        Topic topic = consumedTopic;
        String name = topic.topicName();
        long decodedBefore = metric("ballast_events_decoded_total", name, null);
        long corruptBefore = metric("ballast_events_skipped_total", name, "corrupt");
        long unknownBefore = metric("ballast_events_skipped_total", name, "unknown_type");

        Events events = new Events("service-boot-checks");
        String typeOfAnotherTopic = Topic.ALERTS.eventTypes().iterator().next();
        var unknown = events.envelope(
                        "subject-1",
                        SampleEvents.populated(
                                Topic.ALERTS.prototype(typeOfAnotherTopic).orElseThrow()))
                .toByteArray();
        String validType = topic.eventTypes().iterator().next();
        try (EventProducer producer = EventProducer.connect(broker.bootstrapServers(), events)) {
            producer.send(new ProducerRecord<>(name, "subject-1", "not an envelope".getBytes(StandardCharsets.UTF_8)));
            producer.send(new ProducerRecord<>(name, "subject-1", unknown));
            Message valid = SampleEvents.populated(topic.prototype(validType).orElseThrow());
            producer.publish(topic, topic.keyOf(valid).orElse("subject-1"), valid);
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(metric("ballast_events_skipped_total", name, "corrupt")).isEqualTo(corruptBefore + 1);
            assertThat(metric("ballast_events_skipped_total", name, "unknown_type"))
                    .isEqualTo(unknownBefore + 1);
            assertThat(metric("ballast_events_decoded_total", name, null)).isEqualTo(decodedBefore + 1);
        });
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    /**
     * Asserts that Flyway created {@code schema}, applied its first migration, and that the schema carries the
     * owning service's description (the first migration's comment).
     */
    protected static void assertSchemaMigrated(DataSource dataSource, String schema, String owner) throws SQLException {
        try (var connection = dataSource.getConnection();
                var history = connection.prepareStatement(
                        "SELECT success FROM " + schema + ".flyway_schema_history WHERE version = '1'");
                var comment = connection.prepareStatement("SELECT obj_description(?::regnamespace)")) {
            var migrated = history.executeQuery();
            assertThat(migrated.next())
                    .as("version 1 applied to schema %s", schema)
                    .isTrue();
            assertThat(migrated.getBoolean(1)).isTrue();
            comment.setString(1, schema);
            var description = comment.executeQuery();
            assertThat(description.next()).isTrue();
            assertThat(description.getString(1)).startsWith("Ballast " + owner);
        }
    }

    /**
     * Asserts that store-support's migration made the outbox and inbox tables in the service's own {@code schema}
     * (Flyway finds it in the store-support jar).
     */
    public static void assertOutboxAndInboxMigrated(DataSource dataSource, String schema) throws SQLException {
        try (var connection = dataSource.getConnection();
                var tables = connection.prepareStatement(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
                                + " AND table_name IN ('ballast_outbox', 'ballast_inbox')")) {
            tables.setString(1, schema);
            var result = tables.executeQuery();
            var names = new java.util.ArrayList<String>();
            while (result.next()) {
                names.add(result.getString(1));
            }
            assertThat(names)
                    .as("store-support's tables in schema %s", schema)
                    .containsExactlyInAnyOrder("ballast_outbox", "ballast_inbox");
        }
    }

    /**
     * The port plain-text gRPC is served on in this test run: the HTTP port, since every service serves gRPC on its
     * HTTP server (a TLS listener, where a service has one, is another port).
     */
    protected static int grpcPort() {
        return io.restassured.RestAssured.port;
    }

    /** Value of a Ballast event counter for a topic (and skip reason), 0 when not yet reported. */
    protected static long metric(String name, String topic, String reason) {
        return reason == null
                ? (long) metricValue(name, Map.of("topic", topic))
                : (long) metricValue(name, Map.of("topic", topic, "reason", reason));
    }

    /** Value of a counter with one label on /q/metrics, 0 when not yet reported. */
    public static long counter(String name, String label, String value) {
        return (long) metricValue(name, Map.of(label, value));
    }

    /** Value of a gauge without labels on /q/metrics, 0 when not yet reported. */
    public static double gauge(String name) {
        return metricValue(name, Map.of());
    }

    /** Events of {@code topic} the service decoded so far. */
    public static long decodedCount(Topic topic) {
        return (long) metricValue("ballast_events_decoded_total", Map.of("topic", topic.topicName()));
    }

    /** The value of the first series of {@code name} on /q/metrics carrying all {@code labels}; 0 if none. */
    public static double metricValue(String name, Map<String, String> labels) {
        String body = given().when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return PrometheusText.parse(body).valueOrZero(name, labels);
    }
}
