package io.ballast.support.events;

import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The shared {@link Events} codec as a bean of every service, and its counters on {@code /q/metrics}. */
public class EventsBeans {

    /** One codec per service; its envelopes name the service ({@code quarkus.application.name}) as producer. */
    @Produces
    @Singleton
    Events events(@ConfigProperty(name = "quarkus.application.name") String applicationName) {
        return new Events(applicationName);
    }

    /** {@code ballast_events_decoded_total} and {@code ballast_events_skipped_total}. */
    @Produces
    @Singleton
    MeterBinder eventMetrics(Events events) {
        return new EventMetrics(events);
    }
}
