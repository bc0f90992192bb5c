package io.ballast.reservation.budget.config;

import io.ballast.reservation.budget.BudgetEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;

/** The engine, configured, and the clock decisions are taken by. */
@ApplicationScoped
public class EngineProducer {

    @Produces
    @ApplicationScoped
    BudgetEngine engine(ReservationConfig config) {
        return new BudgetEngine(config.engineSettings());
    }

    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }
}
