package io.ballast.proto.events;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.ballast.proto.alerts.v1.BudgetAlert;
import io.ballast.proto.alerts.v1.MigrationRecommended;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.inventory.v1.DatastoreRemoved;
import io.ballast.proto.inventory.v1.DatastoreUpserted;
import io.ballast.proto.inventory.v1.HostRemoved;
import io.ballast.proto.inventory.v1.HostUpserted;
import io.ballast.proto.inventory.v1.ProfileUpserted;
import io.ballast.proto.inventory.v1.VirtualDiskRemoved;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.proto.inventory.v1.VmMigrated;
import io.ballast.proto.inventory.v1.VmRemoved;
import io.ballast.proto.inventory.v1.VmUpserted;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobProgress;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.JobStep;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.proto.worker.v1.ScanJob;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Kafka topics of Ballast, each with what its record key is and the event types it carries. This is the
 * topic table of the design in code: a producer cannot put an event on a topic that does not carry it, and a
 * consumer skips types its topic does not list.
 */
public enum Topic {
    INVENTORY(
            "ballast.inventory.v1",
            "entity id",
            HostUpserted.getDefaultInstance(),
            HostRemoved.getDefaultInstance(),
            DatastoreUpserted.getDefaultInstance(),
            DatastoreRemoved.getDefaultInstance(),
            VmUpserted.getDefaultInstance(),
            VmRemoved.getDefaultInstance(),
            VirtualDiskUpserted.getDefaultInstance(),
            VirtualDiskRemoved.getDefaultInstance(),
            VmMigrated.getDefaultInstance(),
            ProfileUpserted.getDefaultInstance()),
    GUEST_TELEMETRY("ballast.guest.telemetry.v1", "vm id", UsageReported.getDefaultInstance()),
    BALLAST_COMMANDS("ballast.ballast.commands.v1", "vm id/disk id", SetBallastSize.getDefaultInstance()),
    BALLAST_ACKS(
            "ballast.ballast.acks.v1",
            "vm id/disk id",
            BallastApplied.getDefaultInstance(),
            BallastFailed.getDefaultInstance()),
    WORKER_JOBS(
            "ballast.worker.jobs.v1",
            "disk id",
            ReclaimJob.getDefaultInstance(),
            ScanJob.getDefaultInstance(),
            ResizeJob.getDefaultInstance()),
    WORKER_PROGRESS(
            "ballast.worker.progress.v1",
            "job id",
            JobStarted.getDefaultInstance(),
            JobStep.getDefaultInstance(),
            JobProgress.getDefaultInstance(),
            JobFinished.getDefaultInstance(),
            JobFailed.getDefaultInstance()),
    ALERTS(
            "ballast.alerts.v1",
            "datastore id",
            BudgetAlert.getDefaultInstance(),
            MigrationRecommended.getDefaultInstance());

    private final String topicName;
    private final String keyedBy;
    private final Map<String, Message> prototypesByType;

    Topic(String topicName, String keyedBy, Message... prototypes) {
        this.topicName = topicName;
        this.keyedBy = keyedBy;
        var byType = new LinkedHashMap<String, Message>();
        for (Message prototype : prototypes) {
            byType.put(prototype.getDescriptorForType().getFullName(), prototype);
        }
        this.prototypesByType = Collections.unmodifiableMap(byType);
    }

    /** The Kafka topic name, e.g. {@code ballast.guest.telemetry.v1}. */
    public String topicName() {
        return topicName;
    }

    /** What the record key of this topic is, e.g. "vm id". */
    public String keyedBy() {
        return keyedBy;
    }

    /** Fully qualified protobuf names of the event types this topic carries, in declaration order. */
    public Set<String> eventTypes() {
        return prototypesByType.keySet();
    }

    /** Whether events of this message type belong on this topic. */
    public boolean carries(Descriptor type) {
        return prototypesByType.containsKey(type.getFullName());
    }

    /** The default instance of the named event type, if this topic carries it; its parser decodes payloads. */
    public Optional<Message> prototype(String eventType) {
        return Optional.ofNullable(prototypesByType.get(eventType));
    }

    /**
     * The record key {@code payload} must go on this topic with, where the topic derives it from its events: a
     * command or an acknowledgement is keyed by its VM and disk ({@link #vmDiskKey}), so that compaction keeps the
     * newest of each disk. Empty for a topic whose producers name the subject.
     */
    public Optional<String> keyOf(Message payload) {
        if (this != BALLAST_COMMANDS && this != BALLAST_ACKS) {
            return Optional.empty();
        }
        var type = payload.getDescriptorForType();
        var vm = type.findFieldByName("vm_id");
        var disk = type.findFieldByName("disk_id");
        if (vm == null || disk == null) {
            throw new IllegalArgumentException(type.getFullName() + " names no VM and disk to key " + topicName);
        }
        return Optional.of(vmDiskKey((String) payload.getField(vm), (String) payload.getField(disk)));
    }

    /** The key of a VM's disk on the command and acknowledgement topics: {@code VM/DISK}. */
    public static String vmDiskKey(String vmId, String diskId) {
        return vmId + "/" + diskId;
    }

    /** The topic with this Kafka name. */
    public static Optional<Topic> named(String topicName) {
        return Arrays.stream(values())
                .filter(topic -> topic.topicName.equals(topicName))
                .findFirst();
    }
}
