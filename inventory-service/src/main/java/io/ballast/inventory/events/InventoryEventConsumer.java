package io.ballast.inventory.events;

import io.ballast.inventory.budget.store.BudgetChanges;
import io.ballast.inventory.fleet.store.Discoveries;
import io.ballast.inventory.job.store.Jobs;
import io.ballast.inventory.usage.store.UsageStore;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobProgress;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.JobStep;
import io.ballast.support.events.EventInbox;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Kafka edge of the inventory: guest usage reports, the ballast sizes the reservation service sets and the agents'
 * answers (budget changes, for VMs' histories), and the workers' progress on the jobs inventory sent (a resize that
 * changed an image is followed by a look at its host, so the datastore's figures are current), decoded and
 * decided on through the shared {@link EventInbox} (refused events are skipped, failures tried again holding the
 * partition back).
 */
@ApplicationScoped
public class InventoryEventConsumer {

    private static final Logger LOG = Logger.getLogger(InventoryEventConsumer.class);

    private final EventInbox inbox;
    private final UsageStore usage;
    private final BudgetChanges budgets;
    private final Jobs jobs;
    private final Discoveries discoveries;

    InventoryEventConsumer(
            EventInbox inbox, UsageStore usage, BudgetChanges budgets, Jobs jobs, Discoveries discoveries) {
        this.inbox = inbox;
        this.usage = usage;
        this.budgets = budgets;
        this.jobs = jobs;
        this.discoveries = discoveries;
    }

    @Incoming("guest-telemetry")
    @Blocking
    void onGuestTelemetry(ConsumerRecord<String, byte[]> record) {
        inbox.decide(record, event -> event.payloadAs(UsageReported.class)
                .ifPresent(report -> usage.reported(report, occurredAt(event))));
    }

    @Incoming("ballast-commands")
    @Blocking
    void onBallastCommand(ConsumerRecord<String, byte[]> record) {
        inbox.decide(record, event -> event.payloadAs(SetBallastSize.class)
                .ifPresent(command -> budgets.seen(BudgetMessages.set(command, occurredAt(event)))));
    }

    @Incoming("ballast-acks")
    @Blocking
    void onBallastAck(ConsumerRecord<String, byte[]> record) {
        inbox.decide(record, event -> {
            event.payloadAs(BallastApplied.class)
                    .ifPresent(ack -> budgets.seen(BudgetMessages.applied(ack, occurredAt(event))));
            event.payloadAs(BallastFailed.class)
                    .ifPresent(ack -> budgets.seen(BudgetMessages.failed(ack, occurredAt(event))));
        });
    }

    private static Instant occurredAt(Decoded.Event event) {
        var occurred = event.envelope().getOccurredAt();
        return Instant.ofEpochSecond(occurred.getSeconds(), occurred.getNanos());
    }

    @Incoming("worker-progress")
    @Blocking
    void onWorkerProgress(ConsumerRecord<String, byte[]> record) {
        AtomicReference<String> changed = new AtomicReference<>();
        inbox.decide(record, event -> {
            event.payloadAs(JobStarted.class).ifPresent(m -> jobs.started(m.getJobId(), m.getWorkerHost()));
            event.payloadAs(JobStep.class).ifPresent(m -> jobs.step(m.getJobId(), m.getStep(), m.getDetail()));
            event.payloadAs(JobProgress.class)
                    .ifPresent(m -> jobs.progress(m.getJobId(), m.getStep(), m.getBytesDone(), m.getBytesTotal()));
            event.payloadAs(JobFailed.class)
                    .ifPresent(m -> jobs.failed(m.getJobId(), m.getStep(), m.getReason(), m.getRolledBack()));
            event.payloadAs(JobFinished.class)
                    .filter(JobFinished::hasImage)
                    .flatMap(m -> jobs.finished(m.getJobId(), m.getImage()))
                    .ifPresent(changed::set);
        });
        if (changed.get() != null) {
            // outside the decision: a host that cannot be looked at now is looked at on the next period
            try {
                discoveries.refreshHostOf(changed.get());
            } catch (RuntimeException e) {
                LOG.warnf("host not looked at after a resize disk=%s reason=%s", changed.get(), e.toString());
            }
        }
    }
}
