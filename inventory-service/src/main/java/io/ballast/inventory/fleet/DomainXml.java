package io.ballast.inventory.fleet;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Reads what Ballast needs from libvirt's domain and pool XML: a domain's disks (source, target, serial, format) and
 * a pool's target path. The XML comes from the hypervisor; a document that does not parse is refused with the reason
 * rather than read in part.
 */
public final class DomainXml {

    private DomainXml() {}

    /** The disks ({@code device='disk'}) of a domain's XML, in the order the domain lists them. */
    public static List<Discovered.Disk> disks(String domainXml) {
        Element domain = parse(domainXml, "domain");
        List<Discovered.Disk> disks = new ArrayList<>();
        for (Element devices : children(domain, "devices")) {
            for (Element disk : children(devices, "disk")) {
                String device = disk.getAttribute("device");
                if (!device.isEmpty() && !device.equals("disk")) {
                    continue; // a cdrom, floppy or lun
                }
                disks.add(disk(disk));
            }
        }
        return disks;
    }

    /** A domain's identity in its XML: its UUID (inventory's VM id) and name. */
    public record Identity(String uuid, String name) {}

    /**
     * The UUID and name of a domain's XML.
     *
     * @throws IllegalArgumentException when the XML does not parse or names no UUID
     */
    public static Identity identity(String domainXml) {
        Element domain = parse(domainXml, "domain");
        String uuid = text(domain, "uuid");
        if (uuid.isEmpty()) {
            throw new IllegalArgumentException("the domain XML has no <uuid>");
        }
        return new Identity(uuid.toLowerCase(Locale.ROOT), text(domain, "name"));
    }

    private static String text(Element parent, String name) {
        return children(parent, name).stream()
                .map(child -> child.getTextContent().trim())
                .findFirst()
                .orElse("");
    }

    /** The target path of a pool's XML ({@code <target><path>}), empty when it has none. */
    public static String poolPath(String poolXml) {
        Element pool = parse(poolXml, "pool");
        return children(pool, "target").stream()
                .flatMap(target -> children(target, "path").stream())
                .map(path -> path.getTextContent().trim())
                .findFirst()
                .orElse("");
    }

    /** The format of a volume's XML ({@code <target><format type=...>}), empty when it gives none. */
    public static String volumeFormat(String volumeXml) {
        Element volume = parse(volumeXml, "volume");
        return children(volume, "target").stream()
                .flatMap(target -> children(target, "format").stream())
                .map(format -> format.getAttribute("type"))
                .findFirst()
                .orElse("");
    }

    private static Discovered.Disk disk(Element disk) {
        String type = disk.getAttribute("type");
        Element source = children(disk, "source").stream().findFirst().orElse(null);
        String target = children(disk, "target").stream()
                .map(t -> t.getAttribute("dev"))
                .findFirst()
                .orElse("");
        if (target.isEmpty()) {
            throw new IllegalArgumentException("a disk of the domain has no target device");
        }
        String serial = children(disk, "serial").stream()
                .map(s -> s.getTextContent().trim())
                .findFirst()
                .orElse("");
        String format = children(disk, "driver").stream()
                .map(d -> d.getAttribute("type"))
                .findFirst()
                .orElse("");
        String attribute =
                switch (type.toLowerCase(Locale.ROOT)) {
                    case "file", "" -> "file";
                    case "block" -> "dev";
                    default -> "";
                };
        Discovered.SourceKind kind =
                switch (type.toLowerCase(Locale.ROOT)) {
                    case "file", "" -> Discovered.SourceKind.FILE;
                    case "block" -> Discovered.SourceKind.BLOCK;
                    case "volume" -> Discovered.SourceKind.VOLUME;
                    default -> Discovered.SourceKind.NETWORK;
                };
        String path = source == null || attribute.isEmpty() ? "" : source.getAttribute(attribute);
        String pool = kind == Discovered.SourceKind.VOLUME && source != null ? source.getAttribute("pool") : "";
        String volume = kind == Discovered.SourceKind.VOLUME && source != null ? source.getAttribute("volume") : "";
        return new Discovered.Disk(target, kind, path, serial, format, pool, volume);
    }

    private static Element parse(String xml, String root) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null); // a fatal error is thrown, not also printed on standard error
            Document document = builder.parse(new InputSource(new StringReader(xml)));
            Element element = document.getDocumentElement();
            if (!element.getTagName().equals(root)) {
                throw new IllegalArgumentException(
                        "expected a <" + root + "> document, not <" + element.getTagName() + ">");
            }
            return element;
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalArgumentException("the <" + root + "> XML does not parse: " + e.getMessage(), e);
        }
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node node = nodes.item(i);
            if (node instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }
}
