package io.ballast.proto.events;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Publishes an {@link Events} codec's counters as {@code ballast.events.decoded{topic}} and
 * {@code ballast.events.skipped{topic,reason}} (Prometheus: {@code ballast_events_decoded_total},
 * {@code ballast_events_skipped_total}).
 */
public final class EventMetrics implements MeterBinder {

    private final EventCounters counters;

    public EventMetrics(Events events) {
        this.counters = events.counters();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Topic topic : Topic.values()) {
            FunctionCounter.builder("ballast.events.decoded", counters, c -> c.decoded(topic))
                    .description("Kafka records decoded into events")
                    .tag("topic", topic.topicName())
                    .register(registry);
            for (SkipReason reason : SkipReason.values()) {
                FunctionCounter.builder("ballast.events.skipped", counters, c -> c.skipped(topic, reason))
                        .description("Kafka records skipped because they are not valid events")
                        .tag("topic", topic.topicName())
                        .tag("reason", reason.tag())
                        .register(registry);
            }
        }
        for (SkipReason reason : SkipReason.values()) {
            FunctionCounter.builder("ballast.events.skipped", counters, c -> c.skippedFromOtherTopics(reason))
                    .description("Kafka records skipped because they are not valid events")
                    .tag("topic", EventCounters.OTHER_TOPIC)
                    .tag("reason", reason.tag())
                    .register(registry);
        }
    }
}
