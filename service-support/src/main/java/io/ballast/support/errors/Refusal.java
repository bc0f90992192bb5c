package io.ballast.support.errors;

import java.util.List;
import java.util.Objects;

/**
 * A request a Ballast service refuses, with nothing changed: the one vocabulary of refusals that every edge maps the
 * same way (REST problem details, gRPC status codes). Plain Java, so domain code throws it without importing any
 * framework. Work that was half done is never reported with it.
 */
public abstract sealed class Refusal extends RuntimeException
        permits Refusal.NotFound,
                Refusal.InvalidInput,
                Refusal.FailedPrecondition,
                Refusal.Aborted,
                Refusal.Unavailable {

    private Refusal(String message) {
        super(Objects.requireNonNull(message), null, false, false);
    }

    /** A field of a request and what is wrong with it. */
    public record FieldError(String field, String message) {}

    /** The request names something that does not exist (REST 404, gRPC {@code NOT_FOUND}). */
    public static final class NotFound extends Refusal {
        private final String kind;
        private final String id;

        public NotFound(String kind, String id) {
            super(kind + " " + id + " does not exist");
            this.kind = kind;
            this.id = id;
        }

        /** What was looked for, e.g. {@code disk}. */
        public String kind() {
            return kind;
        }

        public String id() {
            return id;
        }
    }

    /** The request itself is wrong: a bad value, a missing field (REST 400, gRPC {@code INVALID_ARGUMENT}). */
    public static final class InvalidInput extends Refusal {
        private final List<FieldError> fieldErrors;

        public InvalidInput(String message, List<FieldError> fieldErrors) {
            super(message);
            this.fieldErrors = List.copyOf(fieldErrors);
        }

        public InvalidInput(String field, String message) {
            this(field + ": " + message, List.of(new FieldError(field, message)));
        }

        /**
         * A refusal naming every field of {@code errors}: its message is {@code what} and each field with what is
         * wrong with it, e.g. {@code profile web is not valid: priority 101 is outside 0 to 100; noAlign ...}.
         */
        public static InvalidInput naming(String what, List<FieldError> errors) {
            StringBuilder message = new StringBuilder(what).append(':');
            for (int i = 0; i < errors.size(); i++) {
                message.append(i == 0 ? " " : "; ")
                        .append(errors.get(i).field())
                        .append(' ')
                        .append(errors.get(i).message());
            }
            return new InvalidInput(message.toString(), errors);
        }

        public List<FieldError> fieldErrors() {
            return fieldErrors;
        }
    }

    /**
     * The request is well formed but the state does not allow it: a commit without a prepare, a growth on a frozen
     * disk (REST 409, gRPC {@code FAILED_PRECONDITION}).
     */
    public static final class FailedPrecondition extends Refusal {
        public FailedPrecondition(String message) {
            super(message);
        }
    }

    /** A concurrent change won; the same request may be sent again (REST 409, gRPC {@code ABORTED}). */
    public static final class Aborted extends Refusal {
        public Aborted(String message) {
            super(message);
        }
    }

    /**
     * Another service the request needs could not be asked, or did not answer in time; asking again later may succeed
     * (REST 503, gRPC {@code UNAVAILABLE}).
     */
    public static final class Unavailable extends Refusal {
        public Unavailable(String message) {
            super(message);
        }
    }
}
