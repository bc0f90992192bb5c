package io.ballast.testsupport;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Readiness must follow the real broker: a service whose broker goes away reports DOWN on {@code /q/health/ready}
 * and NOT_SERVING on {@code grpc.health.v1} (to a check and to an open watch), and stays alive. Run it under a test
 * profile of its own ({@link OwnInfrastructure}), since it stops the broker the application uses.
 */
public abstract class ReadinessFollowsKafkaChecks {

    @InjectKafkaBroker
    protected Broker broker;

    @Test
    void readinessTurnsDownWhenTheBrokerStops() {
        given().when().get("/q/health/ready").then().statusCode(200);

        broker.close();

        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    var health = given().when().get("/q/health/ready").then().extract();
                    assertThat(health.statusCode()).isEqualTo(503);
                    assertThat(ReadinessStatus.of(health.jsonPath())).containsValue("DOWN");
                });
        given().when().get("/q/health/live").then().statusCode(200);
    }
}
