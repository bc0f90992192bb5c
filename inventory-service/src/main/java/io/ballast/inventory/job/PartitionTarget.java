package io.ballast.inventory.job;

/** The size one partition is to have after a resize. */
public record PartitionTarget(int partition, long sizeBytes) {}
