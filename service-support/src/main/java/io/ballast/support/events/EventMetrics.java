package io.ballast.support.events;

import io.ballast.proto.events.SkipReason;
import io.ballast.proto.events.Topic;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;

/**
 * Publishes an {@link Events} codec's counters as {@code ballast.events.decoded{topic}} and
 * {@code ballast.events.skipped{topic,reason}} (Prometheus: {@code ballast_events_decoded_total},
 * {@code ballast_events_skipped_total}). A record of one of Ballast's topics is skipped as {@code corrupt} or
 * {@code unknown_type}; a record of any other topic as {@code unknown_topic} under topic {@code other}.
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
            for (SkipReason reason : List.of(SkipReason.CORRUPT, SkipReason.UNKNOWN_TYPE)) {
                FunctionCounter.builder("ballast.events.skipped", counters, c -> c.skipped(topic, reason))
                        .description("Kafka records skipped because they are not valid events")
                        .tag("topic", topic.topicName())
                        .tag("reason", reason.tag())
                        .register(registry);
            }
        }
        FunctionCounter.builder("ballast.events.skipped", counters, EventCounters::skippedFromOtherTopics)
                .description("Kafka records skipped because they are not valid events")
                .tag("topic", EventCounters.OTHER_TOPIC)
                .tag("reason", SkipReason.UNKNOWN_TOPIC.tag())
                .register(registry);
    }
}
