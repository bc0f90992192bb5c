package io.ballast.inventory.fleet.store;

import io.ballast.inventory.fleet.Fleet;
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

/** A row of {@code virtual_disk}. */
@Entity
@Table(name = "virtual_disk")
public class DiskEntity extends PanacheEntityBase {

    @Id
    public String id;

    @Column(name = "vm_id")
    public String vmId;

    @Column(name = "datastore_id")
    public String datastoreId;

    @Column(name = "image_path")
    public String imagePath;

    @Enumerated(EnumType.STRING)
    @Column(name = "image_kind")
    public Fleet.ImageKind kind;

    @Column(name = "designated_bytes")
    public long designatedBytes;

    @Column(name = "backed_bytes")
    public long backedBytes;

    public String serial;

    @Column(name = "target_dev")
    public String targetDev;

    @Column(name = "gone_at")
    public Instant goneAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    Recorded.Disk toRecord() {
        return new Recorded.Disk(
                id,
                vmId,
                Optional.ofNullable(datastoreId),
                imagePath,
                kind,
                designatedBytes,
                backedBytes,
                serial,
                targetDev,
                Optional.ofNullable(goneAt));
    }
}
