package io.ballast.inventory.profile.store;

import io.ballast.inventory.profile.Alignment;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.profile.Schedule;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A row of {@code profile}. */
@Entity
@Table(name = "profile")
public class ProfileEntity extends PanacheEntityBase {

    @Id
    public String name;

    @Column(name = "min_free_ratio")
    public double minFreeRatio;

    @Column(name = "desired_free_ratio")
    public double desiredFreeRatio;

    public int priority;

    @Column(name = "growth_horizon_days")
    public int growthHorizonDays;

    @Enumerated(EnumType.STRING)
    public Alignment alignment;

    @Column(name = "no_align")
    @JdbcTypeCode(SqlTypes.ARRAY)
    public Integer[] noAlign = new Integer[0];

    public String schedule;

    @Column(name = "window_seconds")
    public Long windowSeconds;

    @Column(name = "updated_at")
    public Instant updatedAt;

    Profile toProfile() {
        return new Profile(
                name,
                minFreeRatio,
                desiredFreeRatio,
                priority,
                growthHorizonDays,
                alignment,
                Arrays.asList(noAlign),
                Optional.ofNullable(schedule).map(cron -> Schedule.of(cron, Duration.ofSeconds(windowSeconds))));
    }

    void set(Profile profile, Instant now) {
        minFreeRatio = profile.minFreeRatio();
        desiredFreeRatio = profile.desiredFreeRatio();
        priority = profile.priority();
        growthHorizonDays = profile.growthHorizonDays();
        alignment = profile.alignment();
        noAlign = profile.noAlign().toArray(Integer[]::new);
        schedule = profile.schedule().map(Schedule::expression).orElse(null);
        windowSeconds = profile.schedule().map(s -> s.window().toSeconds()).orElse(null);
        updatedAt = now;
    }
}
