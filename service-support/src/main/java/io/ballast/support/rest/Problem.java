package io.ballast.support.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.ballast.support.errors.Refusal;
import java.util.List;
import java.util.Objects;

/**
 * An RFC 9457 problem detail, the body of every error a Ballast REST endpoint answers, as
 * {@value #MEDIA_TYPE}. {@code type} names the kind of problem ({@code urn:ballast:problem:not-found}, or
 * {@code about:blank} when the HTTP status says it all); {@code instance} is the request path, or for a server
 * error {@code urn:uuid:ID} with the id the service logged the cause under. {@code errors} lists the fields of the
 * request that are wrong, and is left out when there are none.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(
        String type, String title, int status, String detail, String instance, List<Refusal.FieldError> errors) {

    /** The media type of a problem detail. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** The prefix of Ballast's own problem types. */
    public static final String TYPE_PREFIX = "urn:ballast:problem:";

    /** The type of a problem that the HTTP status alone describes (RFC 9457, section 4.2.1). */
    public static final String BLANK_TYPE = "about:blank";

    public Problem {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        errors = errors == null ? List.of() : List.copyOf(errors);
    }
}
