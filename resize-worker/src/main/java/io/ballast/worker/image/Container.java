package io.ballast.worker.image;

import java.nio.file.Path;

/** Where a virtual disk's bytes are, at the same offsets the guest sees: the file or device Ballast writes to. */
public sealed interface Container {

    /** The file or device holding the disk's bytes at the guest's offsets. */
    Path data();

    /** A raw image file: byte N of the disk is byte N of the file. */
    record Raw(Path data) implements Container {}

    /** A block device (LV, LUN): byte N of the disk is byte N of the device. */
    record BlockDevice(Path data) implements Container {}

    /** A VMDK monolithicFlat disk: a text descriptor naming one flat extent file that holds the disk from offset 0. */
    record VmdkFlat(Path descriptor, Path data, long sectors) implements Container {}
}
