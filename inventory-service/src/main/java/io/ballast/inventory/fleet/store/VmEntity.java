package io.ballast.inventory.fleet.store;

import io.ballast.inventory.fleet.Discovered;
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

/** A row of {@code vm}. */
@Entity
@Table(name = "vm")
public class VmEntity extends PanacheEntityBase {

    @Id
    public String id;

    public String name;

    @Column(name = "host_id")
    public String hostId;

    @Enumerated(EnumType.STRING)
    @Column(name = "power_state")
    public Discovered.PowerState powerState;

    public String profile = "";

    @Column(name = "gone_at")
    public Instant goneAt;

    /** Since when its host no longer shows it while it was recorded running; null while it shows. */
    @Column(name = "missing_since")
    public Instant missingSince;

    @Column(name = "updated_at")
    public Instant updatedAt;

    Recorded.Vm toRecord() {
        return new Recorded.Vm(id, name, hostId, powerState, profile, Optional.ofNullable(goneAt));
    }
}
