package io.ballast.support.inventory;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The holder name a resize worker takes a VM's lease under for a job, {@code resize-worker@<host>/job-<job id>}: the
 * inventory reads the job back out of it, and refuses the lease for a job that was cancelled before its worker began.
 * The same worker asking again for the same job is the same holder, so a restarted worker takes back its own lease.
 */
public final class JobLeaseHolder {

    private static final Pattern JOB = Pattern.compile(".*/job-([0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})");

    private JobLeaseHolder() {}

    /** The holder a worker on {@code host} takes a lease under for {@code jobId}. */
    public static String of(String host, String jobId) {
        return "resize-worker@" + host + "/job-" + jobId;
    }

    /** The job a holder takes its lease for, when its name ends with {@code /job-<uuid>}. */
    public static Optional<String> jobOf(String holder) {
        Matcher matcher = JOB.matcher(holder);
        return matcher.matches() ? Optional.of(matcher.group(1).toLowerCase(Locale.ROOT)) : Optional.empty();
    }
}
