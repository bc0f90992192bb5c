package io.ballast.support.events;

import io.ballast.proto.events.SkipReason;
import io.ballast.proto.events.Topic;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decoded and skipped record counts of one {@link Events} codec, per topic. Records from topics outside
 * {@link Topic} are counted under {@link #OTHER_TOPIC}. Thread-safe.
 */
public final class EventCounters {

    /** Topic tag for records from topics that are not Ballast's. */
    public static final String OTHER_TOPIC = "other";

    private final Map<Topic, LongAdder> decoded = new EnumMap<>(Topic.class);
    private final Map<Topic, Map<SkipReason, LongAdder>> skipped = new EnumMap<>(Topic.class);
    private final LongAdder skippedFromOtherTopics = new LongAdder();

    EventCounters() {
        for (Topic topic : Topic.values()) {
            decoded.put(topic, new LongAdder());
            skipped.put(topic, adders());
        }
    }

    /** Records of {@code topic} decoded into events. */
    public long decoded(Topic topic) {
        return decoded.get(topic).sum();
    }

    /** Records of {@code topic} skipped for {@code reason}. */
    public long skipped(Topic topic, SkipReason reason) {
        return skipped.get(topic).get(reason).sum();
    }

    /** Records from topics outside {@link Topic}; they are always skipped as {@link SkipReason#UNKNOWN_TOPIC}. */
    public long skippedFromOtherTopics() {
        return skippedFromOtherTopics.sum();
    }

    void countDecoded(Topic topic) {
        decoded.get(topic).increment();
    }

    void countSkipped(String topicName, SkipReason reason) {
        Topic.named(topicName)
                .ifPresentOrElse(
                        topic -> skipped.get(topic).get(reason).increment(), skippedFromOtherTopics::increment);
    }

    private static Map<SkipReason, LongAdder> adders() {
        Map<SkipReason, LongAdder> byReason = new EnumMap<>(SkipReason.class);
        for (SkipReason reason : SkipReason.values()) {
            byReason.put(reason, new LongAdder());
        }
        return byReason;
    }
}
