package io.ballast.support.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.support.grpc.GrpcErrorBoundary;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.TokenResource;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(TokenResource.class)
class GrpcErrorBoundaryTest {

    @ParameterizedTest
    @CsvSource({
        "raise, not-found,           NOT_FOUND,           disk d-42 does not exist",
        "raise, invalid-input,       INVALID_ARGUMENT,    2 fields are not valid",
        "raise, failed-precondition, FAILED_PRECONDITION, migration m-1 was never prepared",
        "raise, aborted,             ABORTED,             datastore ds-1 changed meanwhile; send the request again",
        "raise, status,              RESOURCE_EXHAUSTED,  slow down",
        "fail,  not-found,           NOT_FOUND,           disk d-42 does not exist",
        "fail,  invalid-input,       INVALID_ARGUMENT,    2 fields are not valid",
        "fail,  failed-precondition, FAILED_PRECONDITION, migration m-1 was never prepared",
        "fail,  aborted,             ABORTED,             datastore ds-1 changed meanwhile; send the request again",
        "fail,  status,              RESOURCE_EXHAUSTED,  slow down"
    })
    void refusalsThrownOrReturnedBecomeTheirStatusCodes(String how, String kind, Status.Code code, String description)
            throws InterruptedException {
        try (ProbeClient client = new ProbeClient()) {
            var stub = client.stub(Optional.empty());
            Status status = ProbeClient.statusOf(
                    () -> how.equals("raise") ? stub.raise(ProbeClient.kind(kind)) : stub.fail(ProbeClient.kind(kind)));

            assertThat(status.getCode()).isEqualTo(code);
            assertThat(status.getDescription()).isEqualTo(description);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"raise", "fail"})
    void anUnexpectedFailureIsInternalWithAnIdTheOneErrorLineCarries(String how) throws InterruptedException {
        Status status;
        List<ErrorLog.Line> lines;
        try (ProbeClient client = new ProbeClient();
                ErrorLog log = ErrorLog.of(GrpcErrorBoundary.class)) {
            var stub = client.stub(Optional.empty());
            status = ProbeClient.statusOf(() ->
                    how.equals("raise") ? stub.raise(ProbeClient.kind("crash")) : stub.fail(ProbeClient.kind("crash")));
            lines = log.lines();
        }

        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription()).doesNotContain("hunter2").contains("under id ");
        String id = status.getDescription().substring(status.getDescription().lastIndexOf(' ') + 1);
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst().message()).isEqualTo("internal error id=" + id);
        assertThat(lines.getFirst().cause()).hasMessage(Probes.SECRET);
    }
}
