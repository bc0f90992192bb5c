package io.ballast.bench;

/**
 * The figures of one benchmark run: a record, printed as text for people or as one JSON object (Jackson, every
 * component by its name) for scripts and tests. Each report carries the {@link Machine} it was measured on.
 */
public interface Report {

    /** The machine the figures were measured on. */
    Machine machine();

    /** The figures as a few lines for people, goals included. */
    String text();
}
