package io.ballast.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.cli.ByteSize;
import io.ballast.worker.resize.ImageResize;
import io.ballast.worker.resize.Step;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Progress of a resize on stderr: a line per step, within long steps a line every 10 % or so, and the time each step
 * took; or, with {@code --progress=json}, one JSON object per line ({@code {"event":"step",...}},
 * {@code {"event":"progress",...}}, {@code {"event":"finished","millis":...}}).
 */
final class ProgressPrinter implements ImageResize.Listener {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L;

    private final PrintWriter err;
    private final boolean json;
    private long lastPercent = -1;
    private long lastAt;

    ProgressPrinter(PrintWriter err, String format) {
        this.err = err;
        this.json = format.equals("json");
    }

    @Override
    public void step(int number, int count, Step step, boolean resumed) {
        lastPercent = -1;
        if (json) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("event", "step");
            event.put("number", number);
            event.put("count", count);
            event.put("kind", step.kind());
            event.put("description", step.describe());
            event.put("resumed", resumed);
            emit(event);
        } else {
            err.println("step " + number + "/" + count + ": " + step.describe() + (resumed ? " (continuing)" : ""));
        }
        err.flush();
    }

    @Override
    public void progress(Step step, long doneBytes, long totalBytes) {
        long percent = totalBytes == 0 ? 100 : doneBytes * 100 / totalBytes;
        long now = System.nanoTime();
        boolean last = doneBytes >= totalBytes;
        if (!last && (percent / 10 == lastPercent / 10 || now - lastAt < MIN_INTERVAL_NANOS)) {
            return;
        }
        lastPercent = percent;
        lastAt = now;
        if (json) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("event", "progress");
            event.put("description", step.describe());
            event.put("doneBytes", doneBytes);
            event.put("totalBytes", totalBytes);
            emit(event);
        } else {
            err.println(
                    "  " + percent + " % (" + ByteSize.human(doneBytes) + " of " + ByteSize.human(totalBytes) + ")");
        }
        err.flush();
    }

    @Override
    public void finished(int number, Step step, Duration took) {
        if (json) {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("event", "finished");
            event.put("number", number);
            event.put("kind", step.kind());
            event.put("millis", took.toMillis());
            emit(event);
        } else {
            err.printf(Locale.ROOT, "  done in %.1f s%n", took.toNanos() / 1e9);
        }
        err.flush();
    }

    private void emit(Map<String, Object> event) {
        try {
            err.println(JSON.writeValueAsString(event));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
