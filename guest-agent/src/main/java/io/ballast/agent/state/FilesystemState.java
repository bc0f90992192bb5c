package io.ballast.agent.state;

import io.ballast.agent.ballast.Outcome;

/** What the agent remembers about one filesystem's ballast: the outcome of the newest generation it applied. */
public record FilesystemState(String mountPoint, Outcome lastOutcome) {}
