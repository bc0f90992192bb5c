package io.ballast.fleet;

import io.ballast.linux.Fd;
import io.ballast.linux.SyscallException;
import io.ballast.linux.Syscalls;
import io.ballast.local.launch.Commands;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A simulated VM's disk image on this machine: a sparse raw file of the disk's size with a DOS partition table whose
 * one Linux partition starts at {@link SimulatedGuest#PARTITION_START} and runs to the disk's end (no filesystem
 * Ballast knows is on it: its guest is simulated). A guest's data is written into it sampled, {@value #SAMPLE_BYTES}
 * bytes at the start of every {@value #STRIDE_BYTES} (1/4096 of what the guest writes: a fleet of real-sized data
 * would need terabytes), so its allocation is real, and what a reclaim punches out of it is real bytes. A shut-off
 * VM's partition holds a real ext4 filesystem instead ({@link #createOffline}), which a resize can plan on.
 */
final class GuestImage {

    static final int SAMPLE_BYTES = 64 << 10;
    static final long STRIDE_BYTES = 256L << 20;

    private static final int SECTOR = 512;
    private static final byte LINUX = (byte) 0x83;

    private GuestImage() {}

    /**
     * Makes the image at {@code image} unless a file of {@code designatedBytes} is there already (the guest's data is
     * kept from one run to the next), with the guest's data written up to {@code writtenBytes} into the partition.
     * Answers whether it made it.
     */
    static boolean create(Path image, long designatedBytes, long writtenBytes) throws IOException {
        if (Files.isRegularFile(image) && Files.size(image) == designatedBytes) {
            return false;
        }
        Files.createDirectories(image.getParent());
        try (FileChannel file = FileChannel.open(
                image, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            // the disk's size, a hole wherever nothing was written
            file.truncate(0);
            file.write(ByteBuffer.wrap(masterBootRecord(designatedBytes)), 0);
            write(file, 0, writtenBytes);
        }
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(designatedBytes);
        }
        return true;
    }

    /**
     * Makes the image of a shut-off VM at {@code image} unless one of {@code designatedBytes} is there: the same
     * table, and a real ext4 filesystem (labelled {@code label}) on the partition holding the files of {@code files},
     * made with {@code mkfs.ext4} on the image itself (no loop device, no root). Its layout is what a scan reads and a
     * resize plans on; nothing writes into it but the worker. Answers whether it made it.
     */
    static boolean createOffline(Path image, long designatedBytes, String label, Path files) throws IOException {
        if (Files.isRegularFile(image) && Files.size(image) == designatedBytes) {
            return false;
        }
        Files.createDirectories(image.getParent());
        try (FileChannel file = FileChannel.open(
                image, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            file.write(ByteBuffer.wrap(masterBootRecord(designatedBytes)), 0);
        }
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(designatedBytes);
        }
        long partitionKib = (designatedBytes - SimulatedGuest.PARTITION_START) / 1024;
        Commands.run(
                "mkfs.ext4",
                "-q",
                "-F",
                "-E",
                "offset=" + SimulatedGuest.PARTITION_START + ",lazy_itable_init=1,lazy_journal_init=1",
                "-L",
                label,
                "-d",
                files.toString(),
                image.toString(),
                partitionKib + "k");
        return true;
    }

    /** Writes the guest's data into the partition's range {@code [from, to)}, sampled. */
    static void write(Path image, long from, long to) throws IOException {
        if (to <= from) {
            return;
        }
        try (FileChannel file = FileChannel.open(image, StandardOpenOption.WRITE)) {
            write(file, from, to);
        }
    }

    private static void write(FileChannel file, long from, long to) throws IOException {
        ByteBuffer sample = ByteBuffer.allocate(SAMPLE_BYTES);
        for (long stride = from / STRIDE_BYTES * STRIDE_BYTES; stride < to; stride += STRIDE_BYTES) {
            if (stride < from) {
                continue;
            }
            sample.clear();
            for (int i = 0; i < SAMPLE_BYTES; i += 8) {
                sample.putLong(i, stride + i + 1);
            }
            file.write(sample, SimulatedGuest.PARTITION_START + stride);
        }
    }

    /** The guest's discard of its ballast: the range's blocks leave the image, as a discarding guest's would. */
    static void discard(Path image, long diskOffset, long lengthBytes) throws SyscallException {
        if (lengthBytes <= 0) {
            return;
        }
        try (Fd fd = Fd.readWrite(image)) {
            Syscalls.punchHole(fd.number(), diskOffset, lengthBytes);
        }
    }

    /** The bytes the image holds on this machine's disk. */
    static long allocatedBytes(Path image) {
        try {
            return Fd.stat(image).allocatedBytes();
        } catch (SyscallException e) {
            return 0;
        }
    }

    /** A DOS partition table with one Linux partition from 1 MiB to the disk's end, its CHS fields as LBA-era tools. */
    static byte[] masterBootRecord(long designatedBytes) {
        long first = SimulatedGuest.PARTITION_START / SECTOR;
        long sectors = Math.min(designatedBytes / SECTOR - first, 0xFFFF_FFFFL);
        ByteBuffer mbr = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        int entry = 446;
        mbr.put(entry, (byte) 0);
        chs(mbr, entry + 1, first);
        mbr.put(entry + 4, LINUX);
        chs(mbr, entry + 5, first + sectors - 1);
        mbr.putInt(entry + 8, (int) first);
        mbr.putInt(entry + 12, (int) sectors);
        mbr.put(510, (byte) 0x55);
        mbr.put(511, (byte) 0xAA);
        return mbr.array();
    }

    /** Cylinder, head, sector of {@code lba} in the 255-head, 63-sector geometry; past 1023 cylinders, the maximum. */
    private static void chs(ByteBuffer mbr, int at, long lba) {
        long cylinder = lba / (255 * 63);
        int head = (int) (lba / 63 % 255);
        int sector = (int) (lba % 63 + 1);
        if (cylinder > 1023) {
            cylinder = 1023;
            head = 254;
            sector = 63;
        }
        mbr.put(at, (byte) head);
        mbr.put(at + 1, (byte) (sector | (cylinder >> 2 & 0xC0)));
        mbr.put(at + 2, (byte) cylinder);
    }
}
