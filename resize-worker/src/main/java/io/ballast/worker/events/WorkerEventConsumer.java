package io.ballast.worker.events;

import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.support.events.EventInbox;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka edge of the worker: jobs for this host, decoded through the shared {@link EventInbox}, which counts and
 * skips records that are not valid events.
 */
@ApplicationScoped
public class WorkerEventConsumer {

    private final EventInbox inbox;
    private final ReclaimJobs reclaimJobs;

    WorkerEventConsumer(EventInbox inbox, ReclaimJobs reclaimJobs) {
        this.inbox = inbox;
        this.reclaimJobs = reclaimJobs;
    }

    /** Jobs run one at a time, in the order of their partition, on a worker thread (they do disk I/O). */
    @Incoming("worker-jobs")
    @Blocking
    void onWorkerJobs(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record)
                .flatMap(event -> event.payloadAs(ReclaimJob.class))
                .ifPresent(reclaimJobs::run);
    }
}
