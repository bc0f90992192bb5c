package io.ballast.support.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.ballast.v1.ExtentList;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Envelopes;
import io.ballast.proto.events.SkipReason;
import io.ballast.proto.events.Topic;
import io.ballast.proto.events.v1.Envelope;
import io.ballast.proto.guest.v1.UsageReported;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class EventsTest {

    private static final Instant NOW = Instant.parse("2026-11-23T10:15:30.123456789Z");

    private final Events events = new Events("reservation-service", Clock.fixed(NOW, ZoneOffset.UTC));

    private static final BallastApplied APPLIED = BallastApplied.newBuilder()
            .setVmId("vm-1")
            .setDiskId("disk-1")
            .setMountPoint("/")
            .setGeneration(7)
            .setActualBytes(64L << 20)
            .setAllocatedBytes(64L << 20)
            .setExtents(ExtentList.newBuilder()
                    .addExtents(Extent.newBuilder().setDiskOffsetBytes(1 << 20).setLengthBytes(64L << 20)))
            .build();

    @Test
    void recordCarriesSubjectAsKeyTypeAsHeaderAndEnvelopeAsValue() throws Exception {
        ProducerRecord<String, byte[]> record = events.record(Topic.BALLAST_ACKS, "vm-1/disk-1", APPLIED);

        assertThat(record.topic()).isEqualTo("ballast.ballast.acks.v1");
        assertThat(record.key()).isEqualTo("vm-1/disk-1");
        assertThat(new String(record.headers().lastHeader(Events.TYPE_HEADER).value(), StandardCharsets.UTF_8))
                .isEqualTo("ballast.ballast.v1.BallastApplied");
        Envelope envelope = Envelope.parseFrom(record.value());
        assertThat(UUID.fromString(envelope.getEventId())).isNotNull();
        assertThat(envelope.getType()).isEqualTo("ballast.ballast.v1.BallastApplied");
        assertThat(envelope.getProducer()).isEqualTo("reservation-service");
        assertThat(envelope.getSubjectId()).isEqualTo("vm-1/disk-1");
        assertThat(envelope.getSchemaVersion()).isEqualTo(Envelopes.SCHEMA_VERSION);
        assertThat(Instant.ofEpochSecond(
                        envelope.getOccurredAt().getSeconds(),
                        envelope.getOccurredAt().getNanos()))
                .isEqualTo(NOW);
        assertThat(BallastApplied.parseFrom(envelope.getPayload())).isEqualTo(APPLIED);
    }

    @Test
    void eachRecordGetsItsOwnEventId() throws Exception {
        String first = Envelope.parseFrom(events.record(Topic.BALLAST_ACKS, "vm-1/disk-1", APPLIED)
                        .value())
                .getEventId();
        String second = Envelope.parseFrom(events.record(Topic.BALLAST_ACKS, "vm-1/disk-1", APPLIED)
                        .value())
                .getEventId();
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void decodeReturnsTheEventThatWasEncoded() {
        Decoded decoded = events.decode(consumed(events.record(Topic.BALLAST_ACKS, "vm-1/disk-1", APPLIED)));

        assertThat(decoded).isInstanceOfSatisfying(Decoded.Event.class, event -> {
            assertThat(event.topic()).isEqualTo(Topic.BALLAST_ACKS);
            assertThat(event.payloadAs(BallastApplied.class)).contains(APPLIED);
            assertThat(event.payloadAs(SetBallastSize.class)).isEmpty();
            assertThat(event.envelope().getSubjectId()).isEqualTo("vm-1/disk-1");
        });
        assertThat(events.counters().decoded(Topic.BALLAST_ACKS)).isEqualTo(1);
    }

    @Test
    void refusesAnEventOnATopicThatDoesNotCarryIt() {
        assertThatThrownBy(() -> events.record(Topic.BALLAST_COMMANDS, "vm-1", APPLIED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ballast.ballast.commands.v1 does not carry ballast.ballast.v1.BallastApplied");
    }

    @Test
    void refusesACommandOrAckNotKeyedByItsVmAndDisk() {
        // compaction keeps the newest record per key: keyed by the VM alone, one disk's ack would drop another's
        assertThatThrownBy(() -> events.record(Topic.BALLAST_ACKS, "vm-1", APPLIED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("topic ballast.ballast.acks.v1 is keyed by vm id/disk id: a BallastApplied goes there as"
                        + " 'vm-1/disk-1', not 'vm-1'");
    }

    @Test
    void refusesABlankSubject() {
        assertThatThrownBy(() -> events.record(Topic.BALLAST_ACKS, " ", APPLIED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("subject id must not be blank");
    }

    @Test
    void refusesABlankProducer() {
        assertThatThrownBy(() -> new Events(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("producer must not be blank");
    }

    @Test
    void skipsAnEventTypeItsTopicDoesNotCarry() {
        Envelope foreign = events.envelope(
                "vm-1", UsageReported.newBuilder().setVmId("vm-1").build());
        var record = consumed(Topic.BALLAST_ACKS.topicName(), "vm-1", foreign.toByteArray(), foreign.getType());

        assertSkipped(events.decode(record), SkipReason.UNKNOWN_TYPE, "type 'ballast.guest.v1.UsageReported'");
        assertThat(events.counters().skipped(Topic.BALLAST_ACKS, SkipReason.UNKNOWN_TYPE))
                .isEqualTo(1);
        assertThat(events.counters().decoded(Topic.BALLAST_ACKS)).isZero();
    }

    @Test
    void skipsRecordsFromTopicsThatAreNotBallasts() {
        var record = consumed(events.record(Topic.BALLAST_ACKS, "vm-1/disk-1", APPLIED));
        var elsewhere = consumed("someone.elses.topic", record.key(), record.value(), null);

        assertSkipped(events.decode(elsewhere), SkipReason.UNKNOWN_TOPIC, "'someone.elses.topic'");
        assertThat(events.counters().skippedFromOtherTopics()).isEqualTo(1);
    }

    @Test
    void skipsARecordWithoutValue() {
        assertSkipped(
                events.decode(consumed(Topic.BALLAST_ACKS.topicName(), "vm-1", null, null)),
                SkipReason.CORRUPT,
                "record has no value");
    }

    @Test
    void skipsBytesThatAreNoEnvelope() {
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertSkipped(
                events.decode(consumed(Topic.BALLAST_ACKS.topicName(), "vm-1", garbage, null)),
                SkipReason.CORRUPT,
                "value is not an envelope");
        assertThat(events.counters().skipped(Topic.BALLAST_ACKS, SkipReason.CORRUPT))
                .isEqualTo(1);
    }

    @Test
    void skipsAnEnvelopeWhosePayloadIsNotItsType() {
        Envelope envelope = events.envelope("vm-1", APPLIED).toBuilder()
                .setPayload(ByteString.copyFrom(new byte[] {(byte) 0x0a, (byte) 0x7f}))
                .build();
        assertSkipped(
                events.decode(consumed(Topic.BALLAST_ACKS.topicName(), "vm-1", envelope.toByteArray(), null)),
                SkipReason.CORRUPT,
                "is not a ballast.ballast.v1.BallastApplied");
    }

    @Test
    void skipsAnEnvelopeWithoutUuid() {
        Envelope envelope =
                events.envelope("vm-1", APPLIED).toBuilder().setEventId("42").build();
        assertSkipped(
                events.decode(consumed(Topic.BALLAST_ACKS.topicName(), "vm-1", envelope.toByteArray(), null)),
                SkipReason.CORRUPT,
                "event id '42' is not a UUID");
    }

    @Test
    void skipsAnEnvelopeWithoutSchemaVersionOrTime() {
        Envelope unversioned =
                events.envelope("vm-1", APPLIED).toBuilder().setSchemaVersion(0).build();
        assertSkipped(
                events.decode(consumed(Topic.BALLAST_ACKS.topicName(), "vm-1", unversioned.toByteArray(), null)),
                SkipReason.CORRUPT,
                "has schema version 0");
        Envelope timeless =
                events.envelope("vm-1", APPLIED).toBuilder().clearOccurredAt().build();
        assertSkipped(
                events.decode(consumed(Topic.BALLAST_ACKS.topicName(), "vm-1", timeless.toByteArray(), null)),
                SkipReason.CORRUPT,
                "has no occurred-at time");
    }

    @Test
    void skipsARecordWhoseKeyIsNotItsSubject() {
        var record = consumed(events.record(Topic.BALLAST_ACKS, "vm-1/disk-1", APPLIED));
        var rekeyed = consumed(record.topic(), "vm-2", record.value(), null);
        assertSkipped(
                events.decode(rekeyed), SkipReason.CORRUPT, "record key 'vm-2' differs from subject id 'vm-1/disk-1'");
    }

    @Test
    void skipsARecordWhoseHeaderDisagreesWithItsEnvelope() {
        var record = consumed(events.record(Topic.BALLAST_ACKS, "vm-1/disk-1", APPLIED));
        var relabelled = consumed(record.topic(), record.key(), record.value(), "ballast.ballast.v1.BallastFailed");
        assertSkipped(
                events.decode(relabelled),
                SkipReason.CORRUPT,
                "header type 'ballast.ballast.v1.BallastFailed' differs from envelope type"
                        + " 'ballast.ballast.v1.BallastApplied'");
    }

    @Test
    void aRecordWithoutKeyOrHeaderIsStillDecodedFromItsEnvelope() {
        var record = consumed(events.record(Topic.BALLAST_ACKS, "vm-1/disk-1", APPLIED));
        var bare = consumed(record.topic(), null, record.value(), null);
        assertThat(events.decode(bare)).isInstanceOf(Decoded.Event.class);
    }

    @Test
    void everyTopicNamesItselfAndIsFoundByName() {
        for (Topic topic : Topic.values()) {
            assertThat(topic.topicName()).startsWith("ballast.").endsWith(".v1");
            assertThat(Topic.named(topic.topicName())).contains(topic);
            assertThat(topic.eventTypes()).isNotEmpty();
        }
        assertThat(Topic.named("ballast.unknown.v1")).isEmpty();
    }

    private static void assertSkipped(Decoded decoded, SkipReason reason, String detailFragment) {
        assertThat(decoded).isInstanceOfSatisfying(Decoded.Skipped.class, skipped -> {
            assertThat(skipped.reason()).isEqualTo(reason);
            assertThat(skipped.detail()).contains(detailFragment);
        });
    }

    static ConsumerRecord<String, byte[]> consumed(ProducerRecord<String, byte[]> produced) {
        return new ConsumerRecord<>(
                produced.topic(),
                0,
                0L,
                0L,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                produced.key(),
                produced.value(),
                produced.headers(),
                java.util.Optional.empty());
    }

    private static ConsumerRecord<String, byte[]> consumed(String topic, String key, byte[] value, String typeHeader) {
        var headers = new RecordHeaders();
        if (typeHeader != null) {
            headers.add(Events.TYPE_HEADER, typeHeader.getBytes(StandardCharsets.UTF_8));
        }
        return new ConsumerRecord<>(
                topic, 0, 0L, 0L, TimestampType.CREATE_TIME, -1, -1, key, value, headers, java.util.Optional.empty());
    }
}
