package io.ballast.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A host for libvirt's test driver, written as the XML file a {@code test:///path} URI opens: pools with their
 * volumes and domains with their disks. The driver reads the file on every connection, so rewriting it changes what
 * the next look sees. The driver reports every pool's capacity as 100 GiB and its allocation as the sum of its
 * volumes'.
 */
public final class FleetXml {

    public static final long GIB = 1L << 30;
    /** What the test driver reports as every pool's capacity. */
    public static final long POOL_CAPACITY = 100 * GIB;

    private final List<String> pools = new ArrayList<>();
    private final List<String> domains = new ArrayList<>();

    /** A directory pool at {@code path}; each volume is {@code name, capacity GiB, allocation GiB, format}. */
    public FleetXml pool(String name, String uuid, String path, Volume... volumes) {
        StringBuilder xml = new StringBuilder("  <pool type='dir'><name>" + name + "</name><uuid>" + uuid
                + "</uuid><target><path>" + path + "</path></target>\n");
        for (Volume volume : volumes) {
            xml.append("    <volume type='file'><name>")
                    .append(volume.name())
                    .append("</name><capacity unit='GiB'>")
                    .append(volume.capacityGib())
                    .append("</capacity><allocation unit='GiB'>")
                    .append(volume.allocationGib())
                    .append("</allocation><target><path>")
                    .append(path)
                    .append('/')
                    .append(volume.name())
                    .append("</path><format type='")
                    .append(volume.format())
                    .append("'/></target></volume>\n");
        }
        pools.add(xml.append("  </pool>\n").toString());
        return this;
    }

    /** A volume of a pool. */
    public record Volume(String name, long capacityGib, long allocationGib, String format) {}

    public static Volume volume(String name, long capacityGib, long allocationGib, String format) {
        return new Volume(name, capacityGib, allocationGib, format);
    }

    /** A file disk of a domain: its target, image, driver format and serial. */
    public record Disk(String target, String image, String format, String serial) {}

    public static Disk disk(String target, String image, String format, String serial) {
        return new Disk(target, image, format, serial);
    }

    /** A running domain, or a shut-off one (defined only). */
    public FleetXml domain(String name, String uuid, boolean running, Disk... disks) {
        domains.add("  " + domainXml(name, uuid, running, disks));
        return this;
    }

    /** One domain's XML as libvirt gives it to a hook, or as this host file holds it. */
    public static String domainXml(String name, String uuid, boolean running, Disk... disks) {
        StringBuilder xml =
                new StringBuilder("<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
                        + "<name>" + name + "</name><uuid>" + uuid + "</uuid><memory>1048576</memory><vcpu>1</vcpu>"
                        + "<os><type>hvm</type></os><devices>\n");
        for (Disk disk : disks) {
            xml.append("    <disk type='file' device='disk'><driver name='qemu' type='")
                    .append(disk.format())
                    .append("'/><source file='")
                    .append(disk.image())
                    .append("'/><target dev='")
                    .append(disk.target())
                    .append("' bus='virtio'/><serial>")
                    .append(disk.serial())
                    .append("</serial></disk>\n");
        }
        xml.append("  </devices>");
        if (!running) {
            xml.append("<test:runstate>5</test:runstate>");
        }
        return xml.append("</domain>\n").toString();
    }

    /** Writes the host to {@code file} and answers the URI that opens it. */
    public String writeTo(Path file) {
        StringBuilder xml = new StringBuilder("<node>\n  <cpu><mhz>2000</mhz><model>i686</model><active>2</active>"
                + "<nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>\n"
                + "  <memory>8388608</memory>\n");
        domains.forEach(xml::append);
        pools.forEach(xml::append);
        xml.append("</node>\n");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, xml);
            Files.move(
                    temporary,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return uri(file);
    }

    public static String uri(Path file) {
        return "test://" + file.toAbsolutePath();
    }

    /** Where a test's hosts are written: the build directory of the module under test. */
    public static Path file(String name) {
        return Path.of("target", "test-fleets", name + ".xml").toAbsolutePath();
    }
}
