package io.ballast.bench.inventory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A fleet of hosts for libvirt's test driver, one XML file a host, each opened by a {@code test:///ABSOLUTE/PATH}
 * URI: the host's storage pools (directory pools, each the datastore of {@value #VMS_PER_DATASTORE} VMs) with a
 * raw volume per VM, and its domains, each with one virtio disk on its volume and a serial. The driver reads the file
 * on every connection, as a hypervisor shows its state on every look.
 *
 * <p>The driver reports every pool's capacity as 100 GiB and its allocation as the sum of its volumes' (a pool whose
 * volumes held more would show a negative free space), so a datastore's VMs back 0.5 to 0.9 GiB each: 70 GiB of a
 * datastore on average, thinly provisioned under {@value #VMS_PER_DATASTORE} disks of 40 GiB.
 */
final class FleetFiles {

    static final long GIB = 1L << 30;
    static final long MIB = 1L << 20;
    static final long DESIGNATED_BYTES = 40 * GIB;
    static final int VMS_PER_DATASTORE = 100;
    /** One VM in this many is defined but shut off. */
    static final int SHUT_OFF_EVERY = 10;

    private static final String TEST_DRIVER = "http://libvirt.org/schemas/domain/test/1.0";
    /** The test driver's run state of a domain that is defined but not running ({@code VIR_DOMAIN_SHUTOFF}). */
    private static final String SHUT_OFF = "5";

    /**
     * A VM of the fleet as the files describe it.
     *
     * @param id the domain's UUID, inventory's VM id
     * @param serial its disk's serial, which the guest's name for the disk ends in
     */
    record Vm(String id, String name, String serial, long designatedBytes, long backedBytes, boolean running) {}

    /** A host: the URI that opens its file, and its VMs. */
    record Host(String uri, List<Vm> vms) {}

    private FleetFiles() {}

    /**
     * Writes {@code vms} VMs spread evenly over {@code hosts} files in {@code directory} ({@code host-001.xml}, ...),
     * the backed sizes drawn from {@code seed}.
     */
    static List<Host> write(Path directory, int vms, int hosts, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Host> fleet = new ArrayList<>(hosts);
        int first = 0;
        for (int h = 0; h < hosts; h++) {
            int onHost = vms / hosts + (h < vms % hosts ? 1 : 0);
            List<Vm> guests = new ArrayList<>(onHost);
            for (int v = first; v < first + onHost; v++) {
                guests.add(new Vm(
                        String.format(Locale.ROOT, "%08x-0000-4000-8000-%012x", h + 1, v),
                        String.format(Locale.ROOT, "vm-%05d", v),
                        String.format(Locale.ROOT, "bench-%05d", v),
                        DESIGNATED_BYTES,
                        GIB / 2 + random.nextLong(2 * GIB / 5),
                        v % SHUT_OFF_EVERY != SHUT_OFF_EVERY - 1));
            }
            first += onHost;
            Path file = directory.resolve(String.format(Locale.ROOT, "host-%03d.xml", h + 1));
            write(file, h, guests);
            fleet.add(new Host("test://" + file.toAbsolutePath(), guests));
        }
        return fleet;
    }

    /** How many datastores {@code vms} VMs on one host take. */
    static int datastores(int vms) {
        return (vms + VMS_PER_DATASTORE - 1) / VMS_PER_DATASTORE;
    }

    private static void write(Path file, int host, List<Vm> vms) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
                xml.writeStartDocument("UTF-8", "1.0");
                xml.writeStartElement("node");
                for (int i = 0; i < vms.size(); i++) {
                    domain(xml, vms.get(i), imagePath(host, i, vms.get(i)));
                }
                for (int d = 0; d < datastores(vms.size()); d++) {
                    List<Vm> onIt =
                            vms.subList(d * VMS_PER_DATASTORE, Math.min(vms.size(), (d + 1) * VMS_PER_DATASTORE));
                    pool(xml, host, d, onIt);
                }
                xml.writeEndElement();
                xml.writeEndDocument();
                xml.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the fleet file " + file + ": " + e.getMessage(), e);
        } catch (XMLStreamException e) {
            throw new IllegalStateException("could not write the fleet file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void domain(XMLStreamWriter xml, Vm vm, String image) throws XMLStreamException {
        xml.writeStartElement("domain");
        xml.writeAttribute("type", "test");
        xml.writeNamespace("test", TEST_DRIVER);
        text(xml, "name", vm.name());
        text(xml, "uuid", vm.id());
        text(xml, "memory", "1048576");
        text(xml, "vcpu", "1");
        xml.writeStartElement("os");
        text(xml, "type", "hvm");
        xml.writeEndElement();
        xml.writeStartElement("devices");
        xml.writeStartElement("disk");
        xml.writeAttribute("type", "file");
        xml.writeAttribute("device", "disk");
        xml.writeEmptyElement("driver");
        xml.writeAttribute("name", "qemu");
        xml.writeAttribute("type", "raw");
        xml.writeEmptyElement("source");
        xml.writeAttribute("file", image);
        xml.writeEmptyElement("target");
        xml.writeAttribute("dev", "vda");
        xml.writeAttribute("bus", "virtio");
        text(xml, "serial", vm.serial());
        xml.writeEndElement();
        xml.writeEndElement();
        if (!vm.running()) {
            xml.writeStartElement("test", "runstate", TEST_DRIVER);
            xml.writeCharacters(SHUT_OFF);
            xml.writeEndElement();
        }
        xml.writeEndElement();
    }

    private static void pool(XMLStreamWriter xml, int host, int index, List<Vm> vms) throws XMLStreamException {
        xml.writeStartElement("pool");
        xml.writeAttribute("type", "dir");
        text(xml, "name", "datastore-" + (index + 1));
        text(xml, "uuid", String.format(Locale.ROOT, "%08x-0000-4000-9000-%012x", host + 1, index));
        xml.writeStartElement("target");
        text(xml, "path", poolPath(host, index));
        xml.writeEndElement();
        for (int i = 0; i < vms.size(); i++) {
            Vm vm = vms.get(i);
            xml.writeStartElement("volume");
            xml.writeAttribute("type", "file");
            text(xml, "name", vm.name() + ".img");
            text(xml, "capacity", Long.toString(vm.designatedBytes()));
            text(xml, "allocation", Long.toString(vm.backedBytes()));
            xml.writeStartElement("target");
            text(xml, "path", imagePath(host, index * VMS_PER_DATASTORE + i, vm));
            xml.writeEmptyElement("format");
            xml.writeAttribute("type", "raw");
            xml.writeEndElement();
            xml.writeEndElement();
        }
        xml.writeEndElement();
    }

    private static String poolPath(int host, int datastore) {
        return String.format(Locale.ROOT, "/datastores/host-%03d/datastore-%d", host + 1, datastore + 1);
    }

    /** The image of the {@code index}th VM of {@code host}: a volume of its datastore's pool. */
    private static String imagePath(int host, int index, Vm vm) {
        return poolPath(host, index / VMS_PER_DATASTORE) + "/" + vm.name() + ".img";
    }

    private static void text(XMLStreamWriter xml, String element, String text) throws XMLStreamException {
        xml.writeStartElement(element);
        xml.writeCharacters(text);
        xml.writeEndElement();
    }
}
