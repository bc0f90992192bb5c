package io.ballast.proto.events;

/** Why a consumer skipped a Kafka record instead of handling it. */
public enum SkipReason {
    /** The record came from a topic that is not in {@link Topic}. */
    UNKNOWN_TOPIC,
    /** The envelope is well formed but its type is not one its topic carries (e.g. a newer producer). */
    UNKNOWN_TYPE,
    /** The record is not a valid envelope, or its payload does not parse as its type. */
    CORRUPT;

    /** Lower-case name for metric tags and logs. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
