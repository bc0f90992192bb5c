package io.ballast.local.fleet;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A host for libvirt's test driver, written as the XML file a {@code test:///ABSOLUTE/PATH} URI opens: directory pools
 * with their volumes, and domains with their file disks. The driver reads the file on every connection, so rewriting
 * it changes what the next look sees, as a hypervisor shows its state on every look. The driver reports every pool's
 * capacity as {@value #POOL_CAPACITY} bytes (100 GiB) and its allocation as the sum of its volumes'.
 */
public final class HostFile {

    public static final long GIB = 1L << 30;
    /** What the test driver reports as every pool's capacity. */
    public static final long POOL_CAPACITY = 100 * GIB;

    private static final String TEST_DRIVER = "http://libvirt.org/schemas/domain/test/1.0";
    /** The test driver's run state of a domain that is defined but not running ({@code VIR_DOMAIN_SHUTOFF}). */
    private static final String SHUT_OFF = "5";

    private final List<Pool> pools = new ArrayList<>();
    private final List<Domain> domains = new ArrayList<>();

    /** A volume of a pool: its file is the pool's directory and its name. */
    public record Volume(String name, long capacityBytes, long allocationBytes, String format) {}

    /** A file disk of a domain: its target, image, driver format and serial. */
    public record Disk(String target, String image, String format, String serial) {}

    private record Pool(String name, String uuid, String path, List<Volume> volumes) {}

    private record Domain(String name, String uuid, boolean running, List<Disk> disks) {}

    /** A volume of {@code capacityGib} GiB of which {@code allocationGib} are allocated. */
    public static Volume volume(String name, long capacityGib, long allocationGib, String format) {
        return new Volume(name, capacityGib * GIB, allocationGib * GIB, format);
    }

    public static Disk disk(String target, String image, String format, String serial) {
        return new Disk(target, image, format, serial);
    }

    /** A directory pool at {@code path}. */
    public HostFile pool(String name, String uuid, String path, Volume... volumes) {
        pools.add(new Pool(name, uuid, path, List.of(volumes)));
        return this;
    }

    /** A running domain, or a shut-off one (defined only). */
    public HostFile domain(String name, String uuid, boolean running, Disk... disks) {
        domains.add(new Domain(name, uuid, running, List.of(disks)));
        return this;
    }

    /** One domain's XML as libvirt gives it to a hook, or as a host file holds it. */
    public static String domainXml(String name, String uuid, boolean running, Disk... disks) {
        StringWriter text = new StringWriter();
        try {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(text);
            write(xml, new Domain(name, uuid, running, List.of(disks)));
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("could not write the XML of domain " + name + ": " + e.getMessage(), e);
        }
        return text.append('\n').toString();
    }

    /** Writes the host to {@code file} (replacing it at once: a look never reads half a file) and answers its URI. */
    public String writeTo(Path file) {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (var out = Files.newBufferedWriter(temporary)) {
                XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
                xml.writeStartDocument("UTF-8", "1.0");
                xml.writeStartElement("node");
                node(xml);
                for (Domain domain : domains) {
                    write(xml, domain);
                }
                for (Pool pool : pools) {
                    write(xml, pool);
                }
                xml.writeEndElement();
                xml.writeEndDocument();
                xml.close();
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the host file " + file + ": " + e.getMessage(), e);
        } catch (XMLStreamException e) {
            throw new IllegalStateException("could not write the host file " + file + ": " + e.getMessage(), e);
        }
        return uri(file);
    }

    /** The URI that opens the host file {@code file}. */
    public static String uri(Path file) {
        return "test://" + file.toAbsolutePath();
    }

    /** The host's processors and memory: two cores, 8 GiB. */
    private static void node(XMLStreamWriter xml) throws XMLStreamException {
        xml.writeStartElement("cpu");
        text(xml, "mhz", "2000");
        text(xml, "model", "i686");
        text(xml, "active", "2");
        text(xml, "nodes", "1");
        text(xml, "sockets", "1");
        text(xml, "cores", "2");
        text(xml, "threads", "1");
        xml.writeEndElement();
        text(xml, "memory", "8388608");
    }

    private static void write(XMLStreamWriter xml, Domain domain) throws XMLStreamException {
        xml.writeStartElement("domain");
        xml.writeAttribute("type", "test");
        xml.writeNamespace("test", TEST_DRIVER);
        text(xml, "name", domain.name());
        text(xml, "uuid", domain.uuid());
        text(xml, "memory", "1048576");
        text(xml, "vcpu", "1");
        xml.writeStartElement("os");
        text(xml, "type", "hvm");
        xml.writeEndElement();
        xml.writeStartElement("devices");
        for (Disk disk : domain.disks()) {
            xml.writeStartElement("disk");
            xml.writeAttribute("type", "file");
            xml.writeAttribute("device", "disk");
            xml.writeEmptyElement("driver");
            xml.writeAttribute("name", "qemu");
            xml.writeAttribute("type", disk.format());
            xml.writeEmptyElement("source");
            xml.writeAttribute("file", disk.image());
            xml.writeEmptyElement("target");
            xml.writeAttribute("dev", disk.target());
            xml.writeAttribute("bus", "virtio");
            text(xml, "serial", disk.serial());
            xml.writeEndElement();
        }
        xml.writeEndElement();
        if (!domain.running()) {
            xml.writeStartElement("test", "runstate", TEST_DRIVER);
            xml.writeCharacters(SHUT_OFF);
            xml.writeEndElement();
        }
        xml.writeEndElement();
    }

    private static void write(XMLStreamWriter xml, Pool pool) throws XMLStreamException {
        xml.writeStartElement("pool");
        xml.writeAttribute("type", "dir");
        text(xml, "name", pool.name());
        text(xml, "uuid", pool.uuid());
        xml.writeStartElement("target");
        text(xml, "path", pool.path());
        xml.writeEndElement();
        for (Volume volume : pool.volumes()) {
            xml.writeStartElement("volume");
            xml.writeAttribute("type", "file");
            text(xml, "name", volume.name());
            text(xml, "capacity", Long.toString(volume.capacityBytes()));
            text(xml, "allocation", Long.toString(volume.allocationBytes()));
            xml.writeStartElement("target");
            text(xml, "path", pool.path() + "/" + volume.name());
            xml.writeEmptyElement("format");
            xml.writeAttribute("type", volume.format());
            xml.writeEndElement();
            xml.writeEndElement();
        }
        xml.writeEndElement();
    }

    private static void text(XMLStreamWriter xml, String element, String text) throws XMLStreamException {
        xml.writeStartElement(element);
        xml.writeCharacters(text);
        xml.writeEndElement();
    }
}
