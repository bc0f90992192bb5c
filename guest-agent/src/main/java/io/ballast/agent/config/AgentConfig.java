package io.ballast.agent.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The agent's configuration, a properties file:
 *
 * <pre>
 * gateway = gateway.example:8443          # where the gateways listen for agents (TLS)
 * certificate = /etc/ballast-agent/vm.p12  # this VM's key and certificate (./ballast certs issue)
 * certificate-password = ballast           # optional, default ballast
 * ca = /etc/ballast-agent/ca.pem            # the installation's CA
 * mounts = /, /var                          # filesystems that keep a ballast
 * state-dir = /var/lib/ballast-agent        # optional, default /var/lib/ballast-agent
 * vm-id = vm-42                             # optional, default the certificate's common name
 * telemetry-period = 60s                    # optional: report usage at least this often
 * telemetry-threshold = 0.05                # optional: and when utilization moves by this share of the total
 * </pre>
 */
public record AgentConfig(
        String gatewayHost,
        int gatewayPort,
        Path certificate,
        char[] certificatePassword,
        Path ca,
        List<String> mounts,
        Path stateDirectory,
        Optional<String> vmId,
        Duration telemetryPeriod,
        double telemetryThreshold) {

    private static final Set<String> KEYS = Set.of(
            "gateway",
            "certificate",
            "certificate-password",
            "ca",
            "mounts",
            "state-dir",
            "vm-id",
            "telemetry-period",
            "telemetry-threshold");

    /** @throws IllegalArgumentException naming the file, the key and what is wrong with its value */
    public static AgentConfig load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("configuration file " + file + " does not exist");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        for (String key : properties.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException(file + ": unknown key '" + key + "' (known: " + KEYS + ")");
            }
        }
        String gateway = required(file, properties, "gateway");
        int colon = gateway.lastIndexOf(':');
        if (colon <= 0 || colon == gateway.length() - 1) {
            throw new IllegalArgumentException(file + ": gateway '" + gateway + "' is not HOST:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(gateway.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(
                    file + ": gateway port '" + gateway.substring(colon + 1) + "' is not 1-65535");
        }
        List<String> mounts = new ArrayList<>(
                new LinkedHashSet<>(List.of(required(file, properties, "mounts").split("\\s*,\\s*"))));
        for (String mount : mounts) {
            if (!mount.startsWith("/")) {
                throw new IllegalArgumentException(file + ": mount '" + mount + "' is not an absolute path");
            }
        }
        Duration period = duration(file, properties.getProperty("telemetry-period", "60s"));
        double threshold;
        try {
            threshold = Double.parseDouble(properties.getProperty("telemetry-threshold", "0.05"));
        } catch (NumberFormatException e) {
            threshold = -1;
        }
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException(file + ": telemetry-threshold '"
                    + properties.getProperty("telemetry-threshold") + "' is not a fraction between 0 and 1");
        }
        return new AgentConfig(
                gateway.substring(0, colon),
                port,
                existing(file, "certificate", Path.of(required(file, properties, "certificate"))),
                properties.getProperty("certificate-password", "ballast").toCharArray(),
                existing(file, "ca", Path.of(required(file, properties, "ca"))),
                List.copyOf(mounts),
                Path.of(properties.getProperty("state-dir", "/var/lib/ballast-agent")),
                Optional.ofNullable(properties.getProperty("vm-id"))
                        .map(String::strip)
                        .filter(v -> !v.isEmpty()),
                period,
                threshold);
    }

    private static String required(Path file, Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(file + ": '" + key + "' is required");
        }
        return value.strip();
    }

    private static Path existing(Path file, String key, Path value) {
        if (!Files.isReadable(value)) {
            throw new IllegalArgumentException(file + ": " + key + " " + value + " is not a readable file");
        }
        return value;
    }

    private static Duration duration(Path file, String text) {
        try {
            Duration duration = Duration.parse("PT" + text.strip().toUpperCase(Locale.ROOT));
            if (duration.compareTo(Duration.ofSeconds(1)) >= 0) {
                return duration;
            }
        } catch (DateTimeParseException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                file + ": telemetry-period '" + text + "' is not a duration of 1s or more" + " (e.g. 30s, 5m)");
    }
}
