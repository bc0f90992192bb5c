package io.ballast.support.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.ballast.support.errors.Refusal;
import io.quarkus.hibernate.validator.runtime.jaxrs.ResteasyReactiveViolationException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one REST error boundary of every Ballast service: each exception an endpoint lets out becomes an RFC 9457
 * problem detail ({@link Problem}, {@value Problem#MEDIA_TYPE}) with the status of {@link ProblemType}.
 *
 * <ul>
 *   <li>{@link Refusal}: NotFound 404, InvalidInput 400 (with its field errors), FailedPrecondition 409, Aborted 409.
 *   <li>Bean Validation of a request ({@link ConstraintViolationException}): 400, one field error per violation; a
 *       violation of a return value is the service's bug, so 500.
 *   <li>A body that is not valid JSON, or not of the expected shape: 400.
 *   <li>Security: no or invalid token 401 (with {@code WWW-Authenticate: Bearer}), a token without the role 403.
 *   <li>Other 4xx of JAX-RS (unknown path 404, 405, 406, 415): that status, {@code about:blank}.
 *   <li>Anything else: 500 with a generic detail and {@code instance = urn:uuid:ID}; the cause is logged once at
 *       ERROR under that id. No stack trace or exception message ever goes into a response.
 * </ul>
 *
 * Refusals are not logged (the caller is told; nothing changed). Paths no JAX-RS endpoint serves are answered by
 * {@link UnmatchedPathProblem}, which sits outside JAX-RS.
 */
public class RestErrorBoundary {

    private static final Logger LOG = Logger.getLogger(RestErrorBoundary.class);

    @ServerExceptionMapper
    public Response refusal(Refusal refusal, UriInfo uri) {
        List<Refusal.FieldError> fields =
                refusal instanceof Refusal.InvalidInput invalid ? invalid.fieldErrors() : List.of();
        return respond(ProblemType.of(refusal), refusal.getMessage(), uri, fields);
    }

    /** Also Quarkus's own subclass, for which it has a mapper of its own that this one must win over. */
    @ServerExceptionMapper({ConstraintViolationException.class, ResteasyReactiveViolationException.class})
    public Response violation(ConstraintViolationException violation, UriInfo uri) {
        return violations(violation, uri);
    }

    /** Also the subclass Quarkus's Jackson support has a mapper of its own for, which this one must win over. */
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class})
    public Response malformedJson(JsonProcessingException malformed, UriInfo uri) {
        return malformedBody(malformed, uri);
    }

    private static Response malformedBody(JsonProcessingException malformed, UriInfo uri) {
        // The parser's own message quotes the input; the location is enough to find the mistake.
        String where = malformed.getLocation() == null
                ? ""
                : " at line " + malformed.getLocation().getLineNr() + ", column "
                        + malformed.getLocation().getColumnNr();
        return respond(
                ProblemType.INVALID_INPUT,
                "the request body is not valid JSON of the expected shape" + where,
                uri,
                List.of());
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthenticated(RuntimeException unauthenticated, UriInfo uri) {
        return unauthenticated(uri);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException forbidden, UriInfo uri) {
        return respond(ProblemType.FORBIDDEN, "the token does not carry a role this request needs", uri, List.of());
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException exception, UriInfo uri) {
        Response response = exception.getResponse();
        int status = response.getStatus();
        if (exception.getCause() instanceof JsonProcessingException malformed) {
            // The JSON reader wraps what the parser threw.
            return malformedBody(malformed, uri);
        }
        if (status >= 500) {
            return internal(exception, uri);
        }
        if (status == ProblemType.NOT_FOUND.status()) {
            return respond(ProblemType.NOT_FOUND, "nothing is served at " + uri.getPath(), uri, List.of());
        }
        Response.StatusType statusType = response.getStatusInfo();
        Problem problem = new Problem(
                Problem.BLANK_TYPE,
                statusType.getReasonPhrase(),
                status,
                statusType.getReasonPhrase(),
                uri.getPath(),
                List.of());
        Response.ResponseBuilder builder =
                Response.status(status).type(Problem.MEDIA_TYPE).entity(problem);
        // Allow on a 405, for instance, tells the client what would have worked.
        response.getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        return builder.build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable failure, UriInfo uri) {
        return internal(failure, uri);
    }

    private static Response violations(ConstraintViolationException violation, UriInfo uri) {
        List<ConstraintViolation<?>> violations = new ArrayList<>(violation.getConstraintViolations());
        if (violations.stream().anyMatch(RestErrorBoundary::ofReturnValue)) {
            return internal(violation, uri);
        }
        List<Refusal.FieldError> errors = violations.stream()
                .map(v -> new Refusal.FieldError(fieldName(v.getPropertyPath()), v.getMessage()))
                .sorted(Comparator.comparing(Refusal.FieldError::field).thenComparing(Refusal.FieldError::message))
                .toList();
        String detail = errors.size() == 1
                ? errors.getFirst().field() + ": " + errors.getFirst().message()
                : errors.size() + " fields of the request are not valid";
        return respond(ProblemType.INVALID_INPUT, detail, uri, errors);
    }

    private static boolean ofReturnValue(ConstraintViolation<?> violation) {
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == ElementKind.RETURN_VALUE) {
                return true;
            }
        }
        return false;
    }

    /**
     * The field as the client named it: {@code create.request.size} becomes {@code size}, and a violation of a whole
     * parameter ({@code list.limit}) names the parameter.
     */
    static String fieldName(Path path) {
        List<Path.Node> nodes = new ArrayList<>();
        path.forEach(nodes::add);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Path.Node node = nodes.get(i);
            boolean lastNode = i == nodes.size() - 1;
            switch (node.getKind()) {
                case METHOD, CONSTRUCTOR, CROSS_PARAMETER, RETURN_VALUE -> {}
                case PARAMETER -> {
                    if (lastNode) {
                        names.add(node.getName());
                    }
                }
                default -> {
                    String name = node.getName();
                    if (node.getIndex() != null) {
                        names.add((name == null ? "" : name) + "[" + node.getIndex() + "]");
                    } else if (node.getKey() != null) {
                        names.add((name == null ? "" : name) + "[" + node.getKey() + "]");
                    } else if (name != null) {
                        names.add(name);
                    }
                }
            }
        }
        return names.isEmpty() ? path.toString() : String.join(".", names);
    }

    private static Response unauthenticated(UriInfo uri) {
        return Response.fromResponse(respond(
                        ProblemType.UNAUTHENTICATED,
                        "this request needs a valid bearer token (Authorization: Bearer ...)",
                        uri,
                        List.of()))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    private static Response internal(Throwable failure, UriInfo uri) {
        UUID id = UUID.randomUUID();
        LOG.errorf(failure, "internal error id=%s path=%s", id, uri.getPath());
        Problem problem = new Problem(
                ProblemType.INTERNAL.uri(),
                ProblemType.INTERNAL.title(),
                ProblemType.INTERNAL.status(),
                "the service failed to answer this request; its log names the cause under the id in instance",
                "urn:uuid:" + id,
                List.of());
        return Response.status(problem.status())
                .type(Problem.MEDIA_TYPE)
                .entity(problem)
                .build();
    }

    private static Response respond(ProblemType type, String detail, UriInfo uri, List<Refusal.FieldError> errors) {
        Problem problem = new Problem(type.uri(), type.title(), type.status(), detail, uri.getPath(), errors);
        return Response.status(type.status())
                .type(Problem.MEDIA_TYPE)
                .entity(problem)
                .build();
    }
}
