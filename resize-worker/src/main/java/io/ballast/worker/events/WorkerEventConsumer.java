package io.ballast.worker.events;

import io.ballast.support.events.EventInbox;
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

    WorkerEventConsumer(EventInbox inbox) {
        this.inbox = inbox;
    }

    @Incoming("worker-jobs")
    void onWorkerJobs(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }
}
