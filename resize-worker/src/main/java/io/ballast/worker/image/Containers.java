package io.ballast.worker.image;

import io.ballast.linux.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells which container an image is by its first bytes. In-place work is for raw files, block devices and VMDK
 * monolithicFlat; qcow2 and sparse VMDK are refused with what to do instead.
 */
public final class Containers {

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xFB};
    private static final byte[] VMDK_SPARSE_MAGIC = {'K', 'D', 'M', 'V'};
    private static final String VMDK_DESCRIPTOR_START = "# Disk DescriptorFile";
    private static final long MAX_DESCRIPTOR_BYTES = 64 * 1024;
    private static final Pattern CREATE_TYPE = Pattern.compile("^createType\\s*=\\s*\"([^\"]*)\"\\s*$");
    private static final Pattern EXTENT =
            Pattern.compile("^(RW|RDONLY|NOACCESS)\\s+(\\d+)\\s+(\\w+)\\s+\"([^\"]+)\"(?:\\s+(\\d+))?\\s*$");

    private Containers() {}

    public static Container detect(Path image) throws ImageException, IOException {
        if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS) && !Files.exists(image)) {
            throw new ImageException.Refused(image + " does not exist");
        }
        if (isBlockDevice(image)) {
            return new Container.BlockDevice(image);
        }
        if (!Files.isRegularFile(image)) {
            throw new ImageException.Refused(image + " is neither a regular file nor a block device");
        }
        byte[] head = head(image, 64);
        if (startsWith(head, QCOW2_MAGIC)) {
            throw new ImageException.Refused(
                    image + " is qcow2: the host cannot punch or move its blocks in place; while the"
                            + " VM runs, reclaim through the guest (BLKDISCARD, with discard enabled in the hypervisor), or"
                            + " convert it first (qemu-img convert -O raw)");
        }
        if (startsWith(head, VMDK_SPARSE_MAGIC)) {
            throw new ImageException.Refused(
                    image + " is a sparse VMDK (monolithicSparse or streamOptimized): the host cannot"
                            + " punch or move its blocks in place; reclaim through the guest, or convert it first (qemu-img"
                            + " convert -O vmdk -o subformat=monolithicFlat)");
        }
        if (new String(head, StandardCharsets.ISO_8859_1).startsWith(VMDK_DESCRIPTOR_START)) {
            return vmdkDescriptor(image);
        }
        return new Container.Raw(image);
    }

    private static Container vmdkDescriptor(Path descriptor) throws ImageException, IOException {
        if (Files.size(descriptor) > MAX_DESCRIPTOR_BYTES) {
            throw new ImageException.Refused("VMDK descriptor " + descriptor + " is " + Files.size(descriptor)
                    + " bytes, more than a descriptor can be (" + MAX_DESCRIPTOR_BYTES + ")");
        }
        String createType = null;
        List<Matcher> extents = new ArrayList<>();
        for (String line : Files.readAllLines(descriptor, StandardCharsets.UTF_8)) {
            String trimmed = line.strip();
            Matcher type = CREATE_TYPE.matcher(trimmed);
            if (type.matches()) {
                createType = type.group(1);
            }
            Matcher extent = EXTENT.matcher(trimmed);
            if (extent.matches()) {
                extents.add(extent);
            }
        }
        if (!"monolithicFlat".equals(createType)) {
            throw new ImageException.Refused("VMDK descriptor " + descriptor + " has createType '" + createType
                    + "'; in-place work takes monolithicFlat only (convert with qemu-img convert -O vmdk -o"
                    + " subformat=monolithicFlat)");
        }
        if (extents.size() != 1) {
            throw new ImageException.Refused(
                    "VMDK descriptor " + descriptor + " lists " + extents.size() + " extents, not exactly one");
        }
        Matcher extent = extents.getFirst();
        if (!extent.group(3).equals("FLAT")) {
            throw new ImageException.Refused("VMDK extent of " + descriptor + " is " + extent.group(3) + ", not FLAT");
        }
        if (extent.group(5) != null && Long.parseLong(extent.group(5)) != 0) {
            throw new ImageException.Refused(
                    "VMDK extent of " + descriptor + " starts at sector " + extent.group(5) + " of its file, not 0");
        }
        Path data = descriptor.resolveSibling(extent.group(4));
        if (!Files.isRegularFile(data)) {
            throw new ImageException.Refused(
                    "VMDK extent file " + data + " named by " + descriptor + " does not exist");
        }
        return new Container.VmdkFlat(descriptor, data, Long.parseLong(extent.group(2)));
    }

    /**
     * Sets a monolithicFlat descriptor's extent to {@code diskBytes} and its {@code ddb.geometry.cylinders} to
     * match, keeping every other line; the new descriptor replaces the old atomically.
     */
    public static void rewriteVmdkSize(Container.VmdkFlat flat, long diskBytes) throws IOException, ImageException {
        if (diskBytes % 512 != 0) {
            throw new ImageException.Refused("a VMDK extent is whole sectors, not " + diskBytes + " bytes");
        }
        long sectors = diskBytes / 512;
        List<String> lines = Files.readAllLines(flat.descriptor(), StandardCharsets.UTF_8);
        long heads = geometry(lines, "heads");
        long perTrack = geometry(lines, "sectors");
        boolean ide = lines.stream().anyMatch(l -> l.strip().matches("ddb\\.adapterType\\s*=\\s*\"ide\""));
        List<String> rewritten = new ArrayList<>();
        for (String line : lines) {
            Matcher extent = EXTENT.matcher(line.strip());
            if (extent.matches()) {
                line = extent.group(1) + " " + sectors + " " + extent.group(3) + " \"" + extent.group(4) + "\""
                        + (extent.group(5) == null ? "" : " " + extent.group(5));
            } else if (line.strip().startsWith("ddb.geometry.cylinders") && heads > 0 && perTrack > 0) {
                long cylinders = sectors / (heads * perTrack);
                line = "ddb.geometry.cylinders = \"" + (ide ? Math.min(cylinders, 16383) : cylinders) + "\"";
            }
            rewritten.add(line);
        }
        DurableFiles.replace(flat.descriptor(), (String.join("\n", rewritten) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static long geometry(List<String> lines, String field) {
        Pattern pattern = Pattern.compile("^ddb\\.geometry\\." + field + "\\s*=\\s*\"(\\d+)\"$");
        for (String line : lines) {
            Matcher matcher = pattern.matcher(line.strip());
            if (matcher.matches()) {
                return Long.parseLong(matcher.group(1));
            }
        }
        return 0;
    }

    private static boolean isBlockDevice(Path path) throws IOException {
        try {
            Object type = Files.getAttribute(path, "unix:mode");
            return type instanceof Integer mode && (mode & 0170000) == 0060000;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    private static byte[] head(Path image, int bytes) throws IOException {
        try (InputStream in = Files.newInputStream(image)) {
            return in.readNBytes(bytes);
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
