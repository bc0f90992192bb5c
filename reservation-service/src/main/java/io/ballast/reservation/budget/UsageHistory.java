package io.ballast.reservation.budget;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A disk's utilized bytes over the last {@link #WINDOW}, one point per {@link #BUCKET} (the highest seen in it), so
 * a forecast reads a bounded number of points however often the agent reports. The forecast is computed again only
 * when a bucket closes.
 *
 * <p>A store may give the points back lazily ({@link #restoreLater}): most decisions need only the forecast, which
 * travels with the disk, and a week of points is most of a disk's stored state. The points are read the first time
 * something needs them: a report adding one, a forecast to estimate again, or a full {@link Disk#snapshot()}.
 */
public final class UsageHistory {

    /** One point per hour. */
    public static final Duration BUCKET = Duration.ofHours(1);

    /** A week of points: long enough to see a weekly cycle, short enough to follow a change of trend. */
    public static final Duration WINDOW = Duration.ofDays(7);

    private final Deque<UsagePoint> points = new ArrayDeque<>();
    private Optional<Forecast> forecast = Optional.empty();
    private Supplier<List<UsagePoint>> unread; // the points as stored, until first needed

    /** Adds what was seen at {@code at}; a report in the same bucket as the last raises that bucket's point. */
    void add(Instant at, long utilizedBytes) {
        read();
        Instant bucket = bucketOf(at);
        UsagePoint last = points.peekLast();
        if (last != null && last.at().equals(bucket)) {
            points.pollLast();
            points.addLast(new UsagePoint(bucket, Math.max(last.utilizedBytes(), utilizedBytes)));
            return;
        }
        if (last != null && bucket.isBefore(last.at())) {
            return; // a report older than what is kept: usage history only moves forward
        }
        points.addLast(new UsagePoint(bucket, utilizedBytes));
        while (!points.isEmpty() && points.peekFirst().at().isBefore(bucket.minus(WINDOW))) {
            points.pollFirst();
        }
        forecast = Optional.empty(); // a bucket closed: the next read estimates again
    }

    /**
     * Sets the history from stored points (oldest first) and the forecast estimated from them, if it was, as reading
     * a disk back does: a forecast changes only when a bucket closes, so a disk read back for every decision need not
     * estimate its trend again.
     */
    public void restore(List<UsagePoint> stored, Optional<Forecast> estimated) {
        points.clear();
        stored.forEach(point -> points.addLast(point));
        forecast = estimated;
        unread = null;
    }

    /**
     * {@link #restore} with the points read from {@code stored} only when first needed (oldest first): a store's
     * decision that neither adds a point nor estimates again never reads them.
     */
    public void restoreLater(Supplier<List<UsagePoint>> stored, Optional<Forecast> estimated) {
        points.clear();
        forecast = estimated;
        unread = stored;
    }

    /** The points, unless they have not been read since {@link #restoreLater}: then they are as stored. */
    public Optional<List<UsagePoint>> pointsIfRead() {
        return unread == null ? Optional.of(List.copyOf(points)) : Optional.empty();
    }

    /** Reads the stored points if they are not yet: a read that fails leaves them unread (and unwritten). */
    private void read() {
        if (unread != null) {
            List<UsagePoint> stored = unread.get();
            unread = null;
            stored.forEach(point -> points.addLast(point));
        }
    }

    /** The forecast if it was estimated since the last bucket closed. */
    public Optional<Forecast> knownForecast() {
        return forecast;
    }

    public List<UsagePoint> points() {
        read();
        return List.copyOf(points);
    }

    /** The trend of the closed buckets (the current one is still filling), estimated once per bucket. */
    public Forecast forecast() {
        if (forecast.isEmpty()) {
            read();
            List<UsagePoint> closed = new ArrayList<>(points);
            if (!closed.isEmpty()) {
                closed.removeLast();
            }
            forecast = Optional.of(TrendEstimator.estimate(closed, WINDOW));
        }
        return forecast.get();
    }

    /** The start of the bucket {@code at} falls in. */
    public static Instant bucketOf(Instant at) {
        long seconds = BUCKET.toSeconds();
        return Instant.ofEpochSecond(Math.floorDiv(at.getEpochSecond(), seconds) * seconds);
    }
}
