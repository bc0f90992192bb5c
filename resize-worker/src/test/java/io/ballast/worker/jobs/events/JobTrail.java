package io.ballast.worker.jobs.events;

import com.google.protobuf.Message;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import java.util.List;
import java.util.function.Predicate;

/** Reading one job's events off {@code ballast.worker.progress.v1} in tests. */
public final class JobTrail {

    private JobTrail() {}

    /** The job's last event: finished or failed. */
    public static Predicate<Decoded.Event> finishedOrFailed(String jobId) {
        return event -> event.envelope().getSubjectId().equals(jobId)
                && (event.payload() instanceof JobFinished || event.payload() instanceof JobFailed);
    }

    /** The payloads of the job's events, in order. */
    public static List<Message> ofJob(List<Decoded.Event> events, String jobId) {
        return events.stream()
                .filter(event -> event.envelope().getSubjectId().equals(jobId))
                .map(Decoded.Event::payload)
                .toList();
    }
}
