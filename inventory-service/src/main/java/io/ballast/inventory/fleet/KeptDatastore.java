package io.ballast.inventory.fleet;

import io.ballast.support.errors.Refusal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A datastore as an operator describes it over REST, for a fleet without libvirt: no pool reports its figures, so
 * the operator keeps them. Its available bytes are its capacity less its allocation; its other bytes are what of
 * its allocation no recorded disk image holds, as for a discovered one.
 *
 * @param location where it lives (an NFS export, a LUN); its name when none is given
 * @param hostIds the hosts that reach it, each named once
 * @param reserveBytes headroom kept free; empty to keep the one it has (a new datastore: the share of its capacity
 *     discovery gives a new pool)
 */
public record KeptDatastore(
        String name,
        String location,
        List<String> hostIds,
        long capacityBytes,
        long allocatedBytes,
        Optional<Long> reserveBytes) {

    public KeptDatastore {
        hostIds = List.copyOf(hostIds);
    }

    /** What is wrong with these figures on their own, each field named; empty when nothing is. */
    public List<Refusal.FieldError> errors() {
        List<Refusal.FieldError> errors = new ArrayList<>();
        if (name.isBlank()) {
            errors.add(new Refusal.FieldError("name", "must not be blank"));
        }
        if (hostIds.isEmpty()) {
            errors.add(new Refusal.FieldError("hostIds", "a datastore is reached by at least one host"));
        }
        Set<String> named = new HashSet<>();
        for (int i = 0; i < hostIds.size(); i++) {
            if (!named.add(hostIds.get(i))) {
                errors.add(new Refusal.FieldError("hostIds[" + i + "]", hostIds.get(i) + " is named twice"));
            }
        }
        if (capacityBytes < 0) {
            errors.add(new Refusal.FieldError("capacityBytes", capacityBytes + " bytes is no size"));
        }
        if (allocatedBytes < 0) {
            errors.add(new Refusal.FieldError("allocatedBytes", allocatedBytes + " bytes is no size"));
        } else if (allocatedBytes > capacityBytes) {
            errors.add(new Refusal.FieldError(
                    "allocatedBytes", allocatedBytes + " bytes is more than the capacity, " + capacityBytes));
        }
        reserveBytes.ifPresent(reserve -> {
            if (reserve < 0) {
                errors.add(new Refusal.FieldError("reserveBytes", reserve + " bytes is no size"));
            } else if (reserve > capacityBytes) {
                errors.add(new Refusal.FieldError(
                        "reserveBytes", reserve + " bytes is more than the capacity, " + capacityBytes));
            }
        });
        return errors;
    }
}
