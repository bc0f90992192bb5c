package io.ballast.agent.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Reads the mount table ({@code /proc/self/mountinfo}, see proc(5)). */
public final class Mounts {

    private final Path mountinfo;

    public Mounts(Path mountinfo) {
        this.mountinfo = mountinfo;
    }

    /** This process's mount table. */
    public static Mounts ofThisProcess() {
        return new Mounts(Path.of("/proc/self/mountinfo"));
    }

    /** The filesystem mounted exactly at {@code directory} (the topmost, if several are stacked there). */
    public Optional<MountPoint> at(Path directory) throws IOException {
        Path wanted = directory.toRealPath();
        MountPoint found = null;
        for (MountPoint mount : all()) {
            if (mount.mountPoint().equals(wanted)) {
                found = mount;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The filesystem that holds {@code path}: the mount with the longest mount point above it. */
    public Optional<MountPoint> containing(Path path) throws IOException {
        Path wanted = path.toRealPath();
        MountPoint found = null;
        for (MountPoint mount : all()) {
            if (wanted.startsWith(mount.mountPoint())
                    && (found == null
                            || mount.mountPoint().getNameCount()
                                    >= found.mountPoint().getNameCount())) {
                found = mount;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Every mount, in the order of the table. */
    public List<MountPoint> all() throws IOException {
        List<MountPoint> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(mountinfo)) {
            if (!line.isBlank()) {
                mounts.add(parse(line));
            }
        }
        return mounts;
    }

    /**
     * One mountinfo line: {@code id parent major:minor root mountpoint options [optional...] - type source
     * superoptions}.
     */
    static MountPoint parse(String line) {
        String[] fields = line.split(" ");
        int separator = Arrays.asList(fields).indexOf("-");
        if (fields.length < 10 || separator < 6 || separator + 3 > fields.length) {
            throw new IllegalArgumentException("not a mountinfo line: '" + line + "'");
        }
        String[] device = fields[2].split(":");
        if (device.length != 2) {
            throw new IllegalArgumentException("mountinfo device '" + fields[2] + "' is not major:minor");
        }
        boolean readOnly = Arrays.asList(fields[5].split(",")).contains("ro");
        return new MountPoint(
                Path.of(unescape(fields[4])),
                Integer.parseInt(device[0]),
                Integer.parseInt(device[1]),
                fields[separator + 1],
                unescape(fields[separator + 2]),
                readOnly);
    }

    /** Mount points escape space, tab, newline and backslash as three octal digits after a backslash. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String text, int from) {
        if (from + 3 > text.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
