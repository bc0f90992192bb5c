package io.ballast.worker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.worker.image.ByteRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads ballast extents as JSON: an array of {@code {"diskOffsetBytes": N, "lengthBytes": M}}, or the object the
 * agent prints with {@code ballast show --json} (its {@code extents} field).
 */
public final class ExtentsInput {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ExtentsInput() {}

    /** @throws IllegalArgumentException naming what is wrong and where */
    public static List<ByteRange> parse(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("extents are not JSON: " + e.getOriginalMessage());
        }
        if (root != null && root.isObject()) {
            if (root.hasNonNull("extentsUnavailable")) {
                throw new IllegalArgumentException("the agent reported no extents: "
                        + root.get("extentsUnavailable").asText());
            }
            root = root.get("extents");
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("extents must be a JSON array of {\"diskOffsetBytes\", \"lengthBytes\"}"
                    + " or an object with such an \"extents\" array");
        }
        List<ByteRange> ranges = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode extent = root.get(i);
            long offset = number(extent, "diskOffsetBytes", i);
            long length = number(extent, "lengthBytes", i);
            if (offset < 0 || length <= 0 || offset > Long.MAX_VALUE - length) {
                throw new IllegalArgumentException(
                        "extent " + i + " at " + offset + " of " + length + " bytes is not a byte range");
            }
            ranges.add(ByteRange.ofLength(offset, length));
        }
        return ranges;
    }

    private static long number(JsonNode extent, String field, int index) {
        JsonNode value = extent == null ? null : extent.get(field);
        if (value == null || !value.canConvertToLong() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("extent " + index + " has no whole number \"" + field + "\"");
        }
        return value.asLong();
    }
}
