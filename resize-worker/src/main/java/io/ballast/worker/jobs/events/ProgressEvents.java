package io.ballast.worker.jobs.events;

import com.google.protobuf.Message;
import io.ballast.proto.events.Topic;
import io.ballast.support.events.EventPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Publishes a job's events on {@code ballast.worker.progress.v1}, keyed by job id, and waits for the broker's
 * acknowledgement: a job goes on only once its last step is on record. A failure to publish is logged, never thrown
 * into the job.
 */
@ApplicationScoped
public class ProgressEvents {

    private static final Logger LOG = Logger.getLogger(ProgressEvents.class);

    private final EventPublisher publisher;

    ProgressEvents(EventPublisher publisher) {
        this.publisher = publisher;
    }

    public void publish(String jobId, Message event) {
        try {
            publisher
                    .publish(Topic.WORKER_PROGRESS, jobId, event)
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warnf("interrupted while reporting job=%s", jobId);
        } catch (Exception e) {
            LOG.errorf(
                    e,
                    "could not report job=%s event=%s",
                    jobId,
                    event.getDescriptorForType().getName());
        }
    }
}
