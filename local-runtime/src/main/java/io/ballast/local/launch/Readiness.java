package io.ballast.local.launch;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What tells that a launched program is ready: checked again and again until it holds or a bound passes. */
public sealed interface Readiness {

    /** Whether {@code program} is ready now; never blocks for long (an HTTP check waits at most 5 s). */
    boolean reached(LaunchedProgram program);

    /** A Quarkus service on {@code port} of this machine: {@code /q/health/ready} answers 200. */
    static Readiness healthReady(int port) {
        return new HttpOk(URI.create("http://localhost:" + port + "/q/health/ready"));
    }

    /** {@code uri} answers a GET with 200. */
    record HttpOk(URI uri) implements Readiness {

        private static final HttpClient HTTP =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        @Override
        public boolean reached(LaunchedProgram program) {
            try {
                return HTTP.send(
                                        HttpRequest.newBuilder(uri)
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200;
            } catch (IOException e) {
                return false; // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** The program wrote {@code file} (e.g. the infrastructure's {@code infra.env}, moved there whole). */
    record FileExists(Path file) implements Readiness {
        @Override
        public boolean reached(LaunchedProgram program) {
            return Files.exists(file);
        }
    }

    /** A line of the program's output contains {@code text}. */
    record OutputContains(String text) implements Readiness {
        @Override
        public boolean reached(LaunchedProgram program) {
            return program.output().stream().anyMatch(line -> line.contains(text));
        }
    }
}
