package io.ballast.inventory.fleet;

import java.util.List;
import java.util.Optional;

/**
 * One page of a list in id order.
 *
 * @param next the id to pass as {@code after} for the next page; empty on the last page
 */
public record Page<T>(List<T> items, Optional<String> next) {

    /** The most items one page holds. */
    public static final int MAX_SIZE = 1000;

    public Page {
        items = List.copyOf(items);
    }
}
