package io.ballast.support.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.support.errors.Refusal;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** How a consumer's decision on an event is tried: refusals once, other failures again until they pass. */
class EventInboxTest {

    private final Events events = new Events("test");
    private final EventInbox inbox = new EventInbox(events);
    private final ConsumerRecord<String, byte[]> record = EventsTest.consumed(events.record(
            Topic.GUEST_TELEMETRY,
            "vm-1",
            UsageReported.newBuilder().setVmId("vm-1").build()));

    @Test
    void aRefusedEventIsDecidedOnceAndSkipped() {
        AtomicInteger tries = new AtomicInteger();
        inbox.decide(record, event -> {
            tries.incrementAndGet();
            throw new Refusal.NotFound("VM", "vm-1");
        });
        assertThat(tries).hasValue(1);
    }

    @Test
    void aFailureIsTriedAgainUntilTheDecisionPasses() {
        AtomicInteger tries = new AtomicInteger();
        inbox.decide(record, event -> {
            if (tries.incrementAndGet() < 3) {
                throw new IllegalStateException("the database is away");
            }
        });
        assertThat(tries).hasValue(3);
    }

    @Test
    void aConflictIsNoRefusalAndIsTriedAgain() {
        AtomicInteger tries = new AtomicInteger();
        inbox.decide(record, event -> {
            if (tries.incrementAndGet() < 2) {
                throw new Refusal.Aborted("a concurrent change won");
            }
        });
        assertThat(tries).hasValue(2);
    }

    @Test
    void aRecordThatIsNoEventIsNeverDecided() {
        AtomicInteger tries = new AtomicInteger();
        var garbage =
                new ConsumerRecord<String, byte[]>(Topic.GUEST_TELEMETRY.topicName(), 0, 0L, "vm-1", new byte[] {1, 2});
        inbox.decide(garbage, event -> tries.incrementAndGet());
        assertThat(tries).hasValue(0);
    }

    @Test
    void aFailureThatLastsIsThrownAfterTheLastAttempt() {
        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> inbox.decide(record, event -> {
                    tries.incrementAndGet();
                    throw new IllegalStateException("the database is away");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(tries).hasValue(EventInbox.ATTEMPTS);
    }
}
