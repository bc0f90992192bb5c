package io.ballast.inventory.fleet.store;

import io.ballast.inventory.fleet.Recorded;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** A row of {@code datastore}, with the hosts that reach it ({@code datastore_host}). */
@Entity
@Table(name = "datastore")
public class DatastoreEntity extends PanacheEntityBase {

    @Id
    public String id;

    public String name;

    public String location;

    @Column(name = "capacity_bytes")
    public long capacityBytes;

    @Column(name = "allocated_bytes")
    public long allocatedBytes;

    @Column(name = "available_bytes")
    public long availableBytes;

    @Column(name = "reserve_bytes")
    public long reserveBytes;

    @Column(name = "other_bytes")
    public long otherBytes;

    @Enumerated(EnumType.STRING)
    @Column(name = "managed_by")
    public Recorded.ManagedBy managedBy;

    @Column(name = "gone_at")
    public Instant goneAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @ElementCollection
    @CollectionTable(name = "datastore_host", joinColumns = @JoinColumn(name = "datastore_id"))
    @Column(name = "host_id")
    public Set<String> hostIds = new TreeSet<>();

    Recorded.Datastore toRecord() {
        return new Recorded.Datastore(
                id,
                name,
                new TreeSet<>(hostIds).stream().toList(),
                location,
                capacityBytes,
                allocatedBytes,
                availableBytes,
                reserveBytes,
                otherBytes,
                managedBy,
                Optional.ofNullable(goneAt));
    }
}
