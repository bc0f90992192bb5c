package io.ballast.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directories made for a test or benchmark run, and their removal. */
public final class Directories {

    private Directories() {}

    /** Removes {@code tree} and everything under it; nothing happens when it does not exist. */
    public static void deleteTree(Path tree) {
        if (!Files.exists(tree)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + tree + ": " + e.getMessage(), e);
        }
    }
}
