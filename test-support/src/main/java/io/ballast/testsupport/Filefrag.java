package io.ballast.testsupport;

import io.ballast.local.launch.Commands;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code filefrag -v} says about a file's blocks: the independent witness tests compare Ballast's own extent
 * mapping with.
 */
public final class Filefrag {

    /** A byte range of the disk, and the flags filefrag printed for it. */
    public record Range(long offsetBytes, long lengthBytes, String flags) {
        public long endBytes() {
            return offsetBytes + lengthBytes;
        }
    }

    private static final Pattern BLOCK_SIZE = Pattern.compile("blocks of (\\d+) bytes");
    private static final Pattern EXTENT =
            Pattern.compile("^\\s*\\d+:\\s+\\d+\\.\\.\\s*\\d+:\\s+(\\d+)\\.\\.\\s*(\\d+):\\s+\\d+:\\s*\\d*:?\\s*(.*)$");

    private Filefrag() {}

    /**
     * The file's extents as disk byte ranges (its filesystem's physical offsets plus {@code partitionStartBytes}),
     * in disk order, adjacent ranges merged.
     */
    public static List<Range> diskRanges(Path file, long partitionStartBytes) {
        String output = Commands.run("filefrag", "-v", "-s", file.toString());
        Matcher size = BLOCK_SIZE.matcher(output);
        if (!size.find()) {
            throw new IllegalStateException("filefrag printed no block size:\n" + output);
        }
        long block = Long.parseLong(size.group(1));
        List<Range> extents = new ArrayList<>();
        for (String line : output.lines().toList()) {
            Matcher extent = EXTENT.matcher(line);
            if (extent.matches()) {
                long first = Long.parseLong(extent.group(1));
                long last = Long.parseLong(extent.group(2));
                extents.add(new Range(
                        partitionStartBytes + first * block,
                        (last - first + 1) * block,
                        extent.group(3).strip()));
            }
        }
        extents.sort(Comparator.comparingLong(Range::offsetBytes));
        List<Range> merged = new ArrayList<>();
        for (Range range : extents) {
            if (!merged.isEmpty() && merged.getLast().endBytes() == range.offsetBytes()) {
                Range last = merged.removeLast();
                merged.add(new Range(last.offsetBytes(), last.lengthBytes() + range.lengthBytes(), last.flags()));
            } else {
                merged.add(range);
            }
        }
        return merged;
    }
}
