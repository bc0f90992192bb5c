package io.ballast.inventory.client;

import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.DomainXml;
import io.ballast.inventory.fleet.HostUnreachable;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StoragePoolInfo;
import org.libvirt.StorageVol;
import org.libvirt.StorageVolInfo;

/**
 * Looks at a host through libvirt: its active storage pools with their volumes, and its domains (running or only
 * defined) with their disks. Each look opens a read-only connection to the host's URI and closes it; nothing is
 * changed on the host. A volume-typed disk is resolved to its volume's path.
 */
@ApplicationScoped
public class LibvirtDiscovery {

    /** Everything {@code uri}'s hypervisor shows now. */
    public Discovered.Host discover(String uri) throws HostUnreachable {
        Connect connection;
        try {
            connection = new Connect(uri, true);
        } catch (LibvirtException e) {
            throw new HostUnreachable(uri, "connect", reason(e), e);
        }
        try {
            List<Discovered.Pool> pools = pools(connection);
            List<Discovered.Domain> domains = new ArrayList<>();
            for (int id : connection.listDomains()) {
                domains.add(domain(connection, connection.domainLookupByID(id), pools));
            }
            for (String name : connection.listDefinedDomains()) {
                domains.add(domain(connection, connection.domainLookupByName(name), pools));
            }
            return new Discovered.Host(uri, connection.getHostName(), pools, domains);
        } catch (LibvirtException e) {
            throw new HostUnreachable(uri, "read the pools and domains", reason(e), e);
        } catch (IllegalArgumentException e) {
            throw new HostUnreachable(uri, "read an XML description", String.valueOf(e.getMessage()), e);
        } finally {
            try {
                connection.close();
            } catch (LibvirtException e) {
                // the look is done; a failed close changes nothing of what it saw
            }
        }
    }

    private static List<Discovered.Pool> pools(Connect connection) throws LibvirtException {
        List<Discovered.Pool> pools = new ArrayList<>();
        for (String name : connection.listStoragePools()) {
            StoragePool pool = connection.storagePoolLookupByName(name);
            StoragePoolInfo info = pool.getInfo();
            List<Discovered.Volume> volumes = new ArrayList<>();
            for (String volumeName : pool.listVolumes()) {
                StorageVol volume = pool.storageVolLookupByName(volumeName);
                StorageVolInfo volumeInfo = volume.getInfo();
                volumes.add(new Discovered.Volume(
                        volumeName,
                        volume.getPath(),
                        volumeInfo.capacity,
                        volumeInfo.allocation,
                        DomainXml.volumeFormat(volume.getXMLDesc(0))));
            }
            pools.add(new Discovered.Pool(
                    pool.getUUIDString(),
                    name,
                    DomainXml.poolPath(pool.getXMLDesc(0)),
                    info.capacity,
                    info.allocation,
                    info.available,
                    volumes));
        }
        return pools;
    }

    private static Discovered.Domain domain(Connect connection, Domain domain, List<Discovered.Pool> pools)
            throws LibvirtException {
        List<Discovered.Disk> disks = new ArrayList<>();
        for (Discovered.Disk disk : DomainXml.disks(domain.getXMLDesc(0))) {
            disks.add(disk.kind() == Discovered.SourceKind.VOLUME ? resolved(connection, disk, pools) : disk);
        }
        return new Discovered.Domain(domain.getUUIDString(), domain.getName(), state(domain.getInfo().state), disks);
    }

    /** A volume-typed disk with its volume's path, from the pools already read or else asked of libvirt. */
    private static Discovered.Disk resolved(Connect connection, Discovered.Disk disk, List<Discovered.Pool> pools)
            throws LibvirtException {
        for (Discovered.Pool pool : pools) {
            if (pool.name().equals(disk.sourcePool())) {
                for (Discovered.Volume volume : pool.volumes()) {
                    if (volume.name().equals(disk.sourceVolume())) {
                        return disk.at(volume.path());
                    }
                }
            }
        }
        return disk.at(connection
                .storagePoolLookupByName(disk.sourcePool())
                .storageVolLookupByName(disk.sourceVolume())
                .getPath());
    }

    /** Off only when libvirt says so: a domain shutting down, or in no state it names, may still write its disks. */
    private static Discovered.PowerState state(DomainInfo.DomainState state) {
        return switch (state) {
            case VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_CRASHED -> Discovered.PowerState.SHUT_OFF;
            case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED -> Discovered.PowerState.PAUSED;
            default -> Discovered.PowerState.RUNNING;
        };
    }

    /** libvirt's own message (the exception's is empty): what failed and why. */
    private static String reason(LibvirtException e) {
        if (e.getError() != null
                && e.getError().getMessage() != null
                && !e.getError().getMessage().isBlank()) {
            return e.getError().getMessage();
        }
        return e.toString();
    }
}
