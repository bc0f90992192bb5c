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

/** A row of {@code libvirt_connection}: a URI inventory looks at, and how its last look went. */
@Entity
@Table(name = "libvirt_connection")
public class LibvirtConnectionEntity extends PanacheEntityBase {

    /** Who asked for a URI to be looked at. */
    public enum AddedBy {
        CONFIGURATION,
        API
    }

    @Id
    public String uri;

    @Column(name = "added_by")
    @Enumerated(EnumType.STRING)
    public AddedBy addedBy;

    @Column(name = "host_id")
    public String hostId;

    @Column(name = "last_attempt_at")
    public Instant lastAttemptAt;

    @Column(name = "last_success_at")
    public Instant lastSuccessAt;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "last_duration_ms")
    public Long lastDurationMs;

    @Column(name = "looking_until")
    public Instant lookingUntil;

    @Column(name = "created_at")
    public Instant createdAt;

    Recorded.Connection toRecord() {
        return new Recorded.Connection(
                uri,
                addedBy == AddedBy.CONFIGURATION,
                Optional.ofNullable(hostId),
                Optional.ofNullable(lastAttemptAt),
                Optional.ofNullable(lastSuccessAt),
                Optional.ofNullable(lastError),
                Optional.ofNullable(lastDurationMs));
    }
}
