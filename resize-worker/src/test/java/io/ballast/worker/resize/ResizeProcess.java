package io.ballast.worker.resize;

import io.ballast.worker.plan.Alignment;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * A resize in a process of its own, for tests that kill it: {@code ResizeProcess IMAGE}, with a free ratio of 0.3,
 * 1 MiB alignment, sparsify and truncate. Prints {@code step N} as each step begins, {@code progress N} within long
 * steps and {@code done} at the end.
 */
public final class ResizeProcess {

    static final ResizeOptions OPTIONS =
            new ResizeOptions(Map.of(), OptionalDouble.of(0.3), Alignment.MIB_1, Set.of(), true, true);

    private ResizeProcess() {}

    public static void main(String[] args) throws Exception {
        ImageResize.run(Path.of(args[0]), OPTIONS, new ImageResize.Listener() {
            @Override
            public void step(int number, int count, Step step, boolean resumed) {
                System.out.println("step " + number);
            }

            @Override
            public void progress(Step step, long doneBytes, long totalBytes) {
                System.out.println("progress " + doneBytes);
            }
        });
        System.out.println("done");
    }
}
