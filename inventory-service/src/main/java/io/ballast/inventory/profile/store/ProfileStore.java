package io.ballast.inventory.profile.store;

import io.ballast.inventory.events.Announcements;
import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.store.NativeRows;
import io.ballast.support.errors.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Profiles by name. The built-in default ({@link Profile#DEFAULT}) is shown first and cannot be changed or removed;
 * every change is announced ({@code ProfileUpserted}) in the transaction that makes it.
 */
@ApplicationScoped
@Transactional
public class ProfileStore {

    private final EntityManager entities;
    private final Announcements announce;

    ProfileStore(EntityManager entities, Announcements announce) {
        this.entities = entities;
        this.announce = announce;
    }

    /** Whether a profile was created or changed. */
    public record Put(Profile profile, boolean created) {}

    /** @throws Refusal.NotFound if there is no profile of that name */
    public Profile get(String name) {
        return find(name).orElseThrow(() -> new Refusal.NotFound("profile", name));
    }

    /** The profile of that name, the built-in default for its own name. */
    public Optional<Profile> find(String name) {
        if (name.equals(Profile.DEFAULT.name())) {
            return Optional.of(Profile.DEFAULT);
        }
        return Optional.ofNullable(entities.find(ProfileEntity.class, name)).map(ProfileEntity::toProfile);
    }

    /**
     * The profile a VM whose {@code profile} field says {@code name} takes its rules from: the default for an empty
     * name (or one no profile has, which cannot last: a profile a VM names is not removed).
     */
    public Profile ofVm(String name) {
        return find(name.isEmpty() ? Profile.DEFAULT.name() : name).orElse(Profile.DEFAULT);
    }

    /** Profiles in name order, the default among them. */
    public Page<Profile> list(Optional<String> after, int limit) {
        if (limit < 1 || limit > Page.MAX_SIZE) {
            throw new Refusal.InvalidInput("limit", "must be from 1 to " + Page.MAX_SIZE);
        }
        // byte order (COLLATE "C"), the order String.compareTo merges the built-in default in with
        List<Profile> profiles = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT name, 0 FROM inventory.profile WHERE name COLLATE \"C\" > ?1 ORDER BY name COLLATE \"C\""
                        + " LIMIT " + (limit + 1),
                after.orElse(""))) {
            profiles.add(get((String) row[0]));
        }
        if (after.map(last -> last.compareTo(Profile.DEFAULT.name()) < 0).orElse(true)) {
            profiles.add(Profile.DEFAULT);
            profiles.sort(Comparator.comparing(Profile::name));
        }
        List<Profile> page = profiles.subList(0, Math.min(limit, profiles.size()));
        Optional<String> next =
                profiles.size() > limit ? Optional.of(page.getLast().name()) : Optional.empty();
        return new Page<>(page, next);
    }

    /**
     * Creates or replaces a profile and announces it.
     *
     * @throws Refusal.FailedPrecondition for the built-in default
     */
    public Put put(Profile profile, Instant now) {
        if (profile.isDefault()) {
            throw new Refusal.FailedPrecondition(
                    "the profile '" + profile.name() + "' is built in and cannot be changed; create another");
        }
        // a placeholder row first, so two requests creating one profile meet on its row lock, not a duplicate key
        boolean created = !NativeRows.rows(
                        entities,
                        "INSERT INTO inventory.profile (name, min_free_ratio, desired_free_ratio, priority,"
                                + " growth_horizon_days, alignment) VALUES (?1, 0, 0, 0, 0, 'MIB_1')"
                                + " ON CONFLICT (name) DO NOTHING RETURNING name, 0",
                        profile.name())
                .isEmpty();
        ProfileEntity row = entities.find(ProfileEntity.class, profile.name(), LockModeType.PESSIMISTIC_WRITE);
        if (!created && row.toProfile().equals(profile)) {
            return new Put(profile, false);
        }
        row.set(profile, now);
        announce.profileUpserted(profile);
        return new Put(profile, created);
    }

    /**
     * Removes a profile no VM names.
     *
     * @throws Refusal.NotFound if there is none of that name
     * @throws Refusal.FailedPrecondition for the default, or while VMs (gone ones too: they may come back) name it
     */
    public void remove(String name) {
        if (name.equals(Profile.DEFAULT.name())) {
            throw new Refusal.FailedPrecondition("the profile '" + name + "' is built in and cannot be removed");
        }
        ProfileEntity row = entities.find(ProfileEntity.class, name, LockModeType.PESSIMISTIC_WRITE);
        if (row == null) {
            throw new Refusal.NotFound("profile", name);
        }
        long named = entities.createQuery("select count(v) from VmEntity v where v.profile = :name", Long.class)
                .setParameter("name", name)
                .getSingleResult();
        if (named > 0) {
            throw new Refusal.FailedPrecondition(
                    named + " VMs name the profile '" + name + "'; give them another first");
        }
        entities.remove(row);
    }
}
