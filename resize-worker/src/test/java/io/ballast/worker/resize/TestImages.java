package io.ballast.worker.resize;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.LoopDisk;
import io.ballast.testsupport.SystemPrerequisites;
import io.ballast.worker.image.Containers;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.resize.journal.ResizeJournal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Disk images for resize tests, made with the real tools (sfdisk, mkfs.ext4, mkswap), and the checks every resize
 * is held to: each filesystem {@code e2fsck -fn} clean and every file's SHA-256 unchanged, read back through a
 * read-only loop mount.
 */
public final class TestImages {

    public static final long MIB = 1 << 20;

    /** An image and, per partition number, the checksums of the files it holds. */
    public record Built(Path image, Map<Integer, Map<String, String>> files) {}

    private TestImages() {}

    public static void requireTools() {
        SystemPrerequisites.require(
                "sfdisk",
                "sgdisk",
                "losetup",
                "partx",
                "mkfs.ext4",
                "mkswap",
                "blkid",
                "e2fsck",
                "resize2fs",
                "e2undo",
                "dumpe2fs",
                "setpriv");
    }

    /**
     * 512 MiB, MBR: partition 1 at sector 63 (misaligned), ext4 of 160 MiB (1 KiB blocks) whose 30 MiB of files lie
     * at its end (a shrink must move them); an extended partition with logical 5, ext4 of 96 MiB (4 KiB blocks) with
     * 12 MiB of files, and logical 6, swap of 32 MiB labelled {@code ballast-swap}.
     */
    public static Built mbrWithLogicals(Path directory) {
        try (LoopDisk disk = LoopDisk.create(directory, 512 * MIB, """
                label: dos
                start=63, size=327617, type=83
                start=327680, type=5
                start=329728, size=196608, type=83
                start=528384, size=65536, type=82
                """)) {
            Map<Integer, Map<String, String>> files = new LinkedHashMap<>();
            files.put(1, fillAtTheEnd(disk, 1, directory, 100, 30));
            files.put(5, fillAtTheEnd(disk, 5, directory, 40, 12, "-b", "4096"));
            Commands.run("mkswap", "-L", "ballast-swap", disk.partition(6).toString());
            return new Built(disk.keep(), files);
        }
    }

    /**
     * 384 MiB, MBR: partition 1 at sector 63 (misaligned), NTFS of 256 MiB whose 24 MiB of files were written after
     * 150 MiB of filler that is then deleted (a shrink must relocate them), written and read through ntfs-3g.
     */
    public static Built ntfs(Path directory) {
        SystemPrerequisites.require("mkntfs", "ntfsresize", "ntfs-3g");
        try (LoopDisk disk = LoopDisk.create(directory, 384 * MIB, """
                label: dos
                start=63, size=524225, type=7
                """)) {
            Commands.run("mkntfs", "-Q", "-F", "-L", "data", disk.partition(1).toString());
            Path mount = Files.createTempDirectory(directory, "ntfs-");
            Commands.run("mount", "-t", "ntfs-3g", disk.partition(1).toString(), mount.toString());
            Map<String, String> sums;
            try {
                Commands.run(
                        "dd", "if=/dev/zero", "of=" + mount.resolve("filler"), "bs=1M", "count=150", "status=none");
                Files.createDirectories(mount.resolve("Documents"));
                for (int i = 0; i < 24; i++) {
                    Commands.run(
                            "dd",
                            "if=/dev/urandom",
                            "of=" + mount.resolve("Documents/file-" + i),
                            "bs=1M",
                            "count=1",
                            "status=none");
                }
                Commands.run("sync");
                Files.delete(mount.resolve("filler"));
                sums = checksums(mount);
            } finally {
                Commands.run("umount", mount.toString());
            }
            return new Built(disk.keep(), Map.of(1, sums));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** 512 MiB, GPT: partition 1 ext4 of 128 MiB (8 MiB of files), partition 2 ext4 of 256 MiB (24 MiB at its end). */
    static Built gpt(Path directory) {
        try (LoopDisk disk = LoopDisk.create(directory, 512 * MIB, """
                label: gpt
                start=2048, size=262144
                start=264192, size=524288
                """)) {
            Map<Integer, Map<String, String>> files = new LinkedHashMap<>();
            files.put(1, fillAtTheEnd(disk, 1, directory, 0, 8));
            files.put(2, fillAtTheEnd(disk, 2, directory, 150, 24));
            return new Built(disk.keep(), files);
        }
    }

    /**
     * Makes ext4 on the partition (with {@code mkfsOptions}), writes {@code fillerMib} of zeros first and then
     * {@code dataMib} of files in 1 MiB pieces, and deletes the filler: the files sit past it, where a shrink has to
     * move them.
     */
    private static Map<String, String> fillAtTheEnd(
            LoopDisk disk, int partition, Path directory, int fillerMib, int dataMib, String... mkfsOptions) {
        List<String> mkfs = new java.util.ArrayList<>(List.of("mkfs.ext4", "-q", "-F"));
        mkfs.addAll(List.of(mkfsOptions));
        mkfs.add(disk.partition(partition).toString());
        Commands.run(mkfs.toArray(String[]::new));
        try {
            Path mount = Files.createTempDirectory(directory, "mnt-");
            Commands.run("mount", disk.partition(partition).toString(), mount.toString());
            try {
                if (fillerMib > 0) {
                    Commands.run(
                            "dd",
                            "if=/dev/zero",
                            "of=" + mount.resolve("filler"),
                            "bs=1M",
                            "count=" + fillerMib,
                            "status=none");
                }
                Files.createDirectories(mount.resolve("data/nested"));
                for (int i = 0; i < dataMib; i++) {
                    Path file = mount.resolve(i % 3 == 0 ? "data/nested/piece-" + i : "data/piece-" + i);
                    Commands.run("dd", "if=/dev/urandom", "of=" + file, "bs=1M", "count=1", "status=none");
                }
                Files.writeString(mount.resolve("data/small.txt"), "partition " + partition + "\n");
                Commands.run("sync");
                Files.deleteIfExists(mount.resolve("filler"));
                return checksums(mount);
            } finally {
                Commands.run("umount", mount.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A loop device over {@code [offsetBytes, offsetBytes + sizeBytes)} of {@code image}; the caller detaches it
     * ({@code losetup -d}).
     */
    public static String loop(Path image, long offsetBytes, long sizeBytes, boolean readOnly) {
        List<String> command = new java.util.ArrayList<>(List.of("losetup", "--find", "--show"));
        if (readOnly) {
            command.add("--read-only");
        }
        command.addAll(List.of(
                "--offset", Long.toString(offsetBytes), "--sizelimit", Long.toString(sizeBytes), image.toString()));
        return Commands.run(command.toArray(String[]::new)).strip();
    }

    /** What {@code ntfsfix -n} (no changes) says of the NTFS at {@code offsetBytes}, on a read-only loop device. */
    public static String ntfsCheck(Path image, long offsetBytes, long sizeBytes) {
        String device = loop(image, offsetBytes, sizeBytes, true);
        try {
            return Commands.run("ntfsfix", "-n", device);
        } finally {
            Commands.run("losetup", "-d", device);
        }
    }

    /** The files of the filesystem at {@code offsetBytes} of {@code image}, as path → SHA-256, read only. */
    public static Map<String, String> files(Path image, long offsetBytes, long sizeBytes) {
        return files(image, offsetBytes, sizeBytes, "ext4", "ro,noload");
    }

    /** As {@link #files(Path, long, long)}, for an NTFS read through ntfs-3g. */
    public static Map<String, String> ntfsFiles(Path image, long offsetBytes, long sizeBytes) {
        return files(image, offsetBytes, sizeBytes, "ntfs-3g", "ro");
    }

    private static Map<String, String> files(
            Path image, long offsetBytes, long sizeBytes, String type, String options) {
        String device = loop(image, offsetBytes, sizeBytes, true);
        try {
            Path mount = Files.createTempDirectory("ballast-check-");
            try {
                Commands.run("mount", "-t", type, "-o", options, device, mount.toString());
                try {
                    return checksums(mount);
                } finally {
                    Commands.run("umount", mount.toString());
                }
            } finally {
                Files.deleteIfExists(mount);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Commands.run("losetup", "-d", device);
        }
    }

    /**
     * After a resize of {@code built}: each named ext partition, where the image's table now puts it, is
     * {@code e2fsck -fn} clean and holds the same files with the same SHA-256 as before.
     */
    public static void assertExtKept(Built built, Path image, int... partitions) {
        assertExtKept(built, image, sfdiskLayout(image), partitions);
    }

    /** As {@link #assertExtKept(Built, Path, int...)}, with the layout already read. */
    public static void assertExtKept(Built built, Path image, Map<Integer, long[]> layout, int... partitions) {
        for (int number : partitions) {
            long start = layout.get(number)[0] * 512;
            assertExtClean(image, start);
            assertThat(files(image, start, layout.get(number)[1] * 512))
                    .as("files of partition %d", number)
                    .isEqualTo(built.files().get(number));
        }
    }

    public static void assertExtClean(Path image, long offsetBytes) {
        Commands.run("e2fsck", "-fn", image + "?offset=" + offsetBytes);
    }

    /** Partition number → {start, size} in sectors, as {@code sfdisk --json} reads the table. */
    public static Map<Integer, long[]> sfdiskLayout(Path image) {
        String dump = Commands.run("sfdisk", "-d", image.toString());
        Map<Integer, long[]> layout = new LinkedHashMap<>();
        for (String line : dump.lines().toList()) {
            var matcher = java.util.regex.Pattern.compile("^\\S+?(\\d+) : start=\\s*(\\d+), size=\\s*(\\d+)")
                    .matcher(line);
            if (matcher.find()) {
                layout.put(
                        Integer.parseInt(matcher.group(1)),
                        new long[] {Long.parseLong(matcher.group(2)), Long.parseLong(matcher.group(3))});
            }
        }
        return layout;
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> checksums(Path mount) throws IOException {
        Map<String, String> sums = new java.util.TreeMap<>();
        try (Stream<Path> walk = Files.walk(mount)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                sums.put(mount.relativize(file).toString(), sha256(file));
            }
        }
        sums.remove("lost+found");
        assertThat(sums).isNotEmpty();
        return sums;
    }

    /** Runs the resize of {@code image} and stops it as step {@code step} begins, as a killed worker would leave it. */
    public static void interruptAt(Path image, ResizeOptions options, int step) throws Exception {
        try {
            ImageResize.run(image, options, new ImageResize.Listener() {
                @Override
                public void step(int number, int count, Step begun, boolean resumed) {
                    if (number == step) {
                        throw new IllegalStateException("stopped before step " + step);
                    }
                }

                @Override
                public void progress(Step running, long doneBytes, long totalBytes) {}
            });
        } catch (ImageException.Interrupted expected) {
            assertThat(expected.stepNumber()).isEqualTo(step);
            assertThat(expected.getCause()).hasMessage("stopped before step " + step);
            assertThat(expected.journal())
                    .isEqualTo(ResizeJournal.of(Containers.detect(image).data()));
            return;
        }
        throw new AssertionError("the resize of " + image + " ended before step " + step);
    }

    public static List<String> leftovers(Path image) throws IOException {
        try (Stream<Path> siblings = Files.list(image.getParent())) {
            return siblings.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith(image.getFileName() + ".ballast-"))
                    .toList();
        }
    }
}
