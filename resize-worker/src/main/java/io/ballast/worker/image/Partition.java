package io.ballast.worker.image;

/**
 * A partition as its table describes it.
 *
 * @param number as the table numbers it: 1 to 4 for MBR primaries, 5 on for logical partitions, 1 on for GPT
 * @param type MBR type byte as two hex digits (e.g. {@code 83}), or the GPT type GUID
 */
public record Partition(int number, ByteRange range, String type) {}
