package io.ballast.support.rest;

import io.ballast.support.errors.Refusal;

/**
 * The kinds of problem every Ballast service answers with, their HTTP status and title: the exception → status table
 * of the REST error boundary ({@link RestErrorBoundary}). A problem whose kind is not listed here (405, 406, 415 ...)
 * answers with {@link Problem#BLANK_TYPE} and the status's reason phrase.
 */
public enum ProblemType {
    /** {@code Refusal.NotFound}, or a path no endpoint serves. */
    NOT_FOUND("not-found", 404, "Not found"),
    /** {@code Refusal.InvalidInput}, a Bean Validation violation, a malformed body. */
    INVALID_INPUT("invalid-input", 400, "Invalid input"),
    /** {@code Refusal.FailedPrecondition}: the state does not allow the request. */
    FAILED_PRECONDITION("failed-precondition", 409, "Failed precondition"),
    /** {@code Refusal.Aborted}: a concurrent change won; the request may be sent again. */
    ABORTED("aborted", 409, "Aborted"),
    /** {@code Refusal.Unavailable}: a service the request needs could not be asked; it may be sent again later. */
    UNAVAILABLE("unavailable", 503, "Unavailable"),
    /** No bearer token, or one that is not valid (expired, wrong signature or issuer). */
    UNAUTHENTICATED("unauthenticated", 401, "Unauthenticated"),
    /** A valid token without the role the endpoint needs. */
    FORBIDDEN("forbidden", 403, "Forbidden"),
    /** Anything else: a bug or a failing dependency. The detail is generic; the cause is in the service's log. */
    INTERNAL("internal", 500, "Internal error");

    private final String slug;
    private final int status;
    private final String title;

    ProblemType(String slug, int status, String title) {
        this.slug = slug;
        this.status = status;
        this.title = title;
    }

    /** The kind of problem a refusal is. */
    public static ProblemType of(Refusal refusal) {
        return switch (refusal) {
            case Refusal.NotFound notFound -> NOT_FOUND;
            case Refusal.InvalidInput invalid -> INVALID_INPUT;
            case Refusal.FailedPrecondition failed -> FAILED_PRECONDITION;
            case Refusal.Aborted aborted -> ABORTED;
            case Refusal.Unavailable unavailable -> UNAVAILABLE;
        };
    }

    /** {@code urn:ballast:problem:SLUG}. */
    public String uri() {
        return Problem.TYPE_PREFIX + slug;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
