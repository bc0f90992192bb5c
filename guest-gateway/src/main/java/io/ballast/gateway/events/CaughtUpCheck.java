package io.ballast.gateway.events;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: the gateway has read its commands, acknowledgements and inventory up to where they ended at its start,
 * so an agent that connects is sent its pending command at once. DOWN with how many records are left until then.
 */
@Readiness
@ApplicationScoped
public class CaughtUpCheck implements HealthCheck {

    static final String NAME = "Commands read";

    private final CatchUp catchUp;

    CaughtUpCheck(CatchUp catchUp) {
        this.catchUp = catchUp;
    }

    @Override
    public HealthCheckResponse call() {
        Optional<Long> behind = catchUp.behind();
        if (behind.isEmpty()) {
            return HealthCheckResponse.named(NAME)
                    .down()
                    .withData("reason", "the broker has not said where the topics end")
                    .build();
        }
        return HealthCheckResponse.named(NAME)
                .status(behind.get() == 0)
                .withData("behind", behind.get())
                .build();
    }
}
