package io.ballast.worker.image;

import io.ballast.worker.tools.Tool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks libblkid ({@code blkid -p}, low-level probing, reads only) which partition table a disk carries, so a table
 * Ballast does not read (Sun, SGI, BSD, Atari, Mac, AIX, Ultrix, DASD, ...) is never taken for "no table" and its slices for free
 * space. Ballast's own parser and libblkid must agree before anything is done to a disk.
 */
public final class DiskLabels {

    /** A label's magic bytes and where they are on the disk. */
    private record Signature(String label, long offsetBytes, byte[] magic) {}

    /**
     * The magics of the labels libblkid knows that it reports only when asked for partition details, only nested in an
     * MBR partition, or only in versions newer than some hosts run (DASD), looked for on the whole disk, at the places
     * libblkid's partition probers look.
     */
    private static final List<Signature> SIGNATURES = signatures();

    /** How much of the disk's start the signatures lie in (the last: DASD's block 2 of 4 KiB blocks). */
    private static final int PROBED_BYTES = 3 * 4096;

    private static List<Signature> signatures() {
        byte[] bsd = {0x57, 0x45, 0x56, (byte) 0x82};
        List<Signature> signatures = new ArrayList<>(List.of(
                new Signature("BSD", 512, bsd),
                new Signature("BSD", 64, bsd),
                new Signature("BSD", 128, bsd),
                new Signature("Sun", 508, new byte[] {(byte) 0xDA, (byte) 0xBE}),
                new Signature("SGI", 0, new byte[] {0x0B, (byte) 0xE5, (byte) 0xA9, 0x41}),
                new Signature("AIX", 0, new byte[] {(byte) 0xC9, (byte) 0xC2, (byte) 0xD4, (byte) 0xC1}),
                new Signature("Mac", 0, new byte[] {0x45, 0x52})));
        // DASD (s390): the volume label in block 2 for each block size a DASD is formatted with; "VOL1" in EBCDIC
        // at byte 4 of it (compatible disk layout), or "LNX1" / "CMS1" at byte 0 (Linux and CMS disk layouts)
        for (int blockBytes : new int[] {512, 1024, 2048, 4096}) {
            signatures.add(new Signature(
                    "DASD", 2L * blockBytes + 4, new byte[] {(byte) 0xE5, (byte) 0xD6, (byte) 0xD3, (byte) 0xF1}));
            signatures.add(new Signature(
                    "DASD", 2L * blockBytes, new byte[] {(byte) 0xD3, (byte) 0xD5, (byte) 0xE7, (byte) 0xF1}));
            signatures.add(new Signature(
                    "DASD", 2L * blockBytes, new byte[] {(byte) 0xC3, (byte) 0xD4, (byte) 0xE2, (byte) 0xF1}));
        }
        return List.copyOf(signatures);
    }

    /** {@code blkid -p} exits 2 when it finds no signature at all. */
    private static final int NOTHING_FOUND = 2;

    private static final Pattern PTTYPE = Pattern.compile("(?m)^PTTYPE=(.*)$");

    private DiskLabels() {}

    /** The first label whose magic the disk's first sectors carry. */
    static Optional<String> foreignSignature(FileChannel disk) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(PROBED_BYTES);
        while (head.hasRemaining()) {
            if (disk.read(head, head.position()) < 0) {
                break;
            }
        }
        byte[] bytes = Arrays.copyOf(head.array(), head.position());
        for (Signature signature : SIGNATURES) {
            int at = (int) signature.offsetBytes();
            if (at + signature.magic().length <= bytes.length
                    && Arrays.equals(
                            bytes, at, at + signature.magic().length, signature.magic(), 0, signature.magic().length)) {
                return Optional.of(signature.label());
            }
        }
        return Optional.empty();
    }

    /** The partition table type libblkid finds on {@code data} (e.g. {@code dos}, {@code gpt}, {@code sun}). */
    public static Optional<String> probe(Path data) throws IOException {
        Tool.Result result = Tool.exec(List.of("blkid", "-p", "-o", "export", data.toString()), Tool.DEFAULT_TIMEOUT);
        if (result.exitCode() == NOTHING_FOUND) {
            return Optional.empty();
        }
        if (result.exitCode() != 0) {
            throw Tool.failure(result);
        }
        Matcher matcher = PTTYPE.matcher(result.output());
        return matcher.find() ? Optional.of(matcher.group(1).strip()) : Optional.empty();
    }

    /**
     * Refuses a disk whose table libblkid sees differently from Ballast's parser: any table other than MBR ("dos")
     * or GPT, or a disagreement on which one it is (a GPT whose protective MBR is gone included).
     *
     * @param parsed what Ballast's parser read from the disk
     * @throws ImageException.Refused naming the table libblkid found and the one Ballast read
     */
    public static void requireAgreement(Path data, FileChannel disk, PartitionTable.Scheme parsed)
            throws ImageException, IOException {
        Optional<String> found = probe(data);
        String expected =
                switch (parsed) {
                    case MBR -> "dos";
                    case GPT -> "gpt";
                    case NONE -> "";
                };
        String seen = found.orElse("");
        if (seen.equals(expected)) {
            if (parsed == PartitionTable.Scheme.NONE) {
                Optional<String> foreign = foreignSignature(disk);
                if (foreign.isPresent()) {
                    throw new ImageException.Refused("the disk carries a " + foreign.get() + " disklabel, which"
                            + " Ballast does not work on; it works on MBR and GPT tables only");
                }
            }
            return;
        }
        if (!seen.isEmpty() && !seen.equals("dos") && !seen.equals("gpt")) {
            throw new ImageException.Refused("the disk carries a '" + seen + "' partition table (libblkid), which"
                    + " Ballast does not work on; it works on MBR and GPT tables only");
        }
        throw new ImageException.Refused("libblkid sees "
                + (seen.isEmpty() ? "no partition table" : "a '" + seen + "' partition table") + " where Ballast reads "
                + (parsed == PartitionTable.Scheme.NONE ? "none" : "an " + parsed + " table")
                + "; the table is damaged or ambiguous: repair it (e.g. with gdisk or fdisk) before working on it");
    }
}
