package io.ballast.worker.resize.journal;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import io.ballast.worker.resize.ResizeOptions;
import io.ballast.worker.resize.Step;

/**
 * The JSON form of a resize's records: its journal, and the options a job record keeps. The domain types carry no
 * JSON annotations; the step's kind is written as {@code "step"} from this mapping.
 */
public final class ResizeJson {

    /** Where the domain's {@link Step} gets its JSON type information. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "step")
    @JsonSubTypes({
        @JsonSubTypes.Type(value = Step.ShrinkFilesystem.class, name = "shrink-filesystem"),
        @JsonSubTypes.Type(value = Step.MoveData.class, name = "move"),
        @JsonSubTypes.Type(value = Step.WriteTable.class, name = "write-table"),
        @JsonSubTypes.Type(value = Step.PunchVacated.class, name = "punch-vacated"),
        @JsonSubTypes.Type(value = Step.GrowFilesystem.class, name = "grow-filesystem"),
        @JsonSubTypes.Type(value = Step.RecreateSwap.class, name = "recreate-swap"),
        @JsonSubTypes.Type(value = Step.NtfsBootSector.class, name = "ntfs-boot-sector"),
        @JsonSubTypes.Type(value = Step.PunchUnused.class, name = "punch-unused"),
        @JsonSubTypes.Type(value = Step.Truncate.class, name = "truncate")
    })
    private interface StepTypes {}

    /** The mapper: strict about unknown fields, Optionals as values or null. */
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new Jdk8Module())
            .addMixIn(Step.class, StepTypes.class)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private ResizeJson() {}

    /** Options as JSON, e.g. for a job record. */
    public static String write(ResizeOptions options) {
        try {
            return JSON.writeValueAsString(options);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("resize options cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Options read back from {@link #write}.
     *
     * @throws IllegalArgumentException naming what is wrong when the text is not such options
     */
    public static ResizeOptions readOptions(String json) {
        try {
            return JSON.readValue(json, ResizeOptions.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("resize options '" + json + "' cannot be read: " + e.getMessage(), e);
        }
    }
}
