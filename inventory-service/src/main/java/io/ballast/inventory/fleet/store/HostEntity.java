package io.ballast.inventory.fleet.store;

import io.ballast.inventory.fleet.Recorded;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;

/** A row of {@code host}. */
@Entity
@Table(name = "host")
public class HostEntity extends PanacheEntityBase {

    @Id
    public String id;

    public String name;

    public String uri;

    @Enumerated(EnumType.STRING)
    @Column(name = "managed_by")
    public Recorded.ManagedBy managedBy;

    @Column(name = "gone_at")
    public Instant goneAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    Recorded.Host toRecord() {
        return new Recorded.Host(id, name, uri, managedBy, Optional.ofNullable(goneAt));
    }
}
