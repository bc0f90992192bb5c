package io.ballast.support.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The 404 of a path nothing serves, as a problem detail like every other error. JAX-RS hands a request no endpoint
 * matches on to the HTTP router, so the answer comes from the router's last route, after REST, gRPC and {@code /q}
 * had their turn.
 */
@ApplicationScoped
public class UnmatchedPathProblem {

    private final ObjectMapper json;

    UnmatchedPathProblem(ObjectMapper json) {
        this.json = json;
    }

    void install(@Observes Router router) {
        router.route().last().handler(this::answer);
    }

    private void answer(RoutingContext context) {
        String path = context.request().path();
        Problem problem = new Problem(
                ProblemType.NOT_FOUND.uri(),
                ProblemType.NOT_FOUND.title(),
                ProblemType.NOT_FOUND.status(),
                "nothing is served at " + path,
                path,
                List.of());
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        context.response()
                .setStatusCode(problem.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end(body);
    }
}
