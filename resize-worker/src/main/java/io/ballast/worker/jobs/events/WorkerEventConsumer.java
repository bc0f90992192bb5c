package io.ballast.worker.jobs.events;

import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.proto.worker.v1.ScanJob;
import io.ballast.support.events.EventInbox;
import io.ballast.worker.reclaim.events.ReclaimJobs;
import io.ballast.worker.scan.events.ScanJobs;
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
    private final ScanJobs scanJobs;
    private final ResizeJobs resizeJobs;

    WorkerEventConsumer(EventInbox inbox, ReclaimJobs reclaimJobs, ScanJobs scanJobs, ResizeJobs resizeJobs) {
        this.inbox = inbox;
        this.reclaimJobs = reclaimJobs;
        this.scanJobs = scanJobs;
        this.resizeJobs = resizeJobs;
    }

    /** Jobs run one at a time, in the order of their partition, on a worker thread (they do disk I/O). */
    @Incoming("worker-jobs")
    @Blocking
    void onWorkerJobs(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record).ifPresent(event -> {
            event.payloadAs(ReclaimJob.class).ifPresent(reclaimJobs::run);
            event.payloadAs(ScanJob.class).ifPresent(scanJobs::run);
            event.payloadAs(ResizeJob.class).ifPresent(resizeJobs::run);
        });
    }
}
