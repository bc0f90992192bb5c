package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.contract.KubernetesManifests.Manifest;
import io.ballast.testsupport.Program;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes as {@code kubectl kustomize} renders it. Every object of the example overlay (and of the base) is
 * read strictly into the Kubernetes model of its kind: an unknown field, a value of the wrong type, a missing
 * required field or a malformed quantity is a problem. Every ConfigMap, Secret and key the pods refer to (env,
 * envFrom, volumes) is in the rendering, every port a probe, Service or the ServiceMonitor names is a port of the
 * containers or Services it names, and the probes, ports and environment are the services' own (their
 * application.properties). The proofs at the end break one thing in the rendering each and see it refused.
 */
class KubernetesManifestsTest {

    private static final Path KUBERNETES = Program.ROOT.resolve("deploy/kubernetes");

    /** The service modules, by the container that runs each (named like its module). */
    private static final List<String> SERVICES =
            List.of("inventory-service", "reservation-service", "guest-gateway", "resize-worker");

    private static String overlay;
    private static String base;

    @BeforeAll
    static void render() {
        overlay = KubernetesManifests.render(KUBERNETES.resolve("overlays/example"));
        base = KubernetesManifests.render(KUBERNETES.resolve("base"));
    }

    @Test
    void everyObjectOfTheExampleIsValidAndEveryReferenceFound() {
        List<Manifest> manifests = KubernetesManifests.valid(overlay);

        Map<String, Integer> kinds = new TreeMap<>();
        manifests.forEach(m -> kinds.merge(m.kind(), 1, Integer::sum));
        assertThat(kinds)
                .containsEntry("Deployment", 3)
                .containsEntry("DaemonSet", 1)
                .containsEntry("PodDisruptionBudget", 3)
                .containsEntry("ServiceMonitor", 1)
                .containsEntry("Service", 5)
                .containsEntry("ConfigMap", 1)
                .containsEntry("Secret", 6)
                .containsEntry("Namespace", 1);
        assertThat(manifests).allSatisfy(m -> {
            if (!m.kind().equals("Namespace")) {
                assertThat(m.object().getMetadata().getNamespace()).as(m.id()).isEqualTo("ballast");
            }
        });
        Map<String, Integer> replicas = new TreeMap<>();
        manifests.stream()
                .map(Manifest::object)
                .filter(Deployment.class::isInstance)
                .map(Deployment.class::cast)
                .forEach(
                        d -> replicas.put(d.getMetadata().getName(), d.getSpec().getReplicas()));
        assertThat(replicas).isEqualTo(Map.of("inventory-service", 1, "reservation-service", 2, "guest-gateway", 2));
    }

    @Test
    void everyObjectOfTheBaseIsValid() {
        assertThat(KubernetesManifests.schemaProblems(base)).isEmpty();
    }

    @Test
    void probesPortsAndEnvironmentAreTheServicesOwn() throws IOException {
        assertThat(serviceProblems(KubernetesManifests.valid(overlay))).isEmpty();
    }

    // --- proofs: each breaks one thing in the rendering ------------------------------------------------------------

    @Test
    void anUnknownFieldIsRefused() {
        assertThat(KubernetesManifests.problems(replace(overlay, "  replicas: 2\n", "  replica: 2\n")))
                .singleElement()
                .asString()
                .contains("Deployment guest-gateway: spec.replica: Unrecognized field \"replica\"");
        assertThat(KubernetesManifests.problems(
                        replace(overlay, "        readOnlyRootFilesystem: true\n", "        readOnlyRootFs: true\n")))
                .singleElement()
                .asString()
                .contains("securityContext.readOnlyRootFs: Unrecognized field");
    }

    @Test
    void aValueOfTheWrongTypeIsRefused() {
        assertThat(KubernetesManifests.problems(replace(overlay, "  replicas: 2\n", "  replicas: two\n")))
                .singleElement()
                .asString()
                .contains("Deployment guest-gateway: spec.replicas: Cannot coerce String value (\"two\") to"
                        + " `java.lang.Integer` value");
        // a number written as a string (Jackson would take "2" for 2; the API server does not), and the reverse
        assertThat(KubernetesManifests.problems(replace(overlay, "  replicas: 2\n", "  replicas: \"2\"\n")))
                .singleElement()
                .asString()
                .contains("Deployment guest-gateway: spec.replicas: Cannot coerce String value (\"2\")");
        assertThat(KubernetesManifests.problems(replace(overlay, "containerPort: 8443\n", "containerPort: \"8443\"\n")))
                .singleElement()
                .asString()
                .contains("Deployment guest-gateway: spec.template.spec.containers[0].ports[1].containerPort");
        assertThat(KubernetesManifests.problems(replace(overlay, "value: \"8082\"\n", "value: 8082\n")))
                .singleElement()
                .asString()
                .contains("Deployment inventory-service: spec.template.spec.containers[0].env[")
                .contains(".value: Cannot coerce Integer value (8082)");
        assertThat(KubernetesManifests.problems(replace(overlay, "memory: 768Mi\n", "memory: 768 MiB\n")))
                .singleElement()
                .asString()
                .isEqualTo(
                        "Deployment guest-gateway: container guest-gateway resources.limits.memory '768 MiB' is not a quantity");
    }

    @Test
    void aMissingRequiredFieldIsRefused() {
        assertThat(KubernetesManifests.problems(
                        replace(overlay, "        name: guest-gateway\n        ports:\n", "        ports:\n")))
                .singleElement()
                .asString()
                .isEqualTo("Deployment guest-gateway: spec.template.spec.containers[0].name is required");
    }

    @Test
    void anUnknownKindOrVersionIsRefused() {
        assertThat(KubernetesManifests.problems(
                        replace(overlay, "apiVersion: policy/v1\n", "apiVersion: policy/v1beta1\n")))
                .singleElement()
                .asString()
                .startsWith("PodDisruptionBudget guest-gateway: no schema for policy/v1beta1/PodDisruptionBudget");
    }

    @Test
    void aServiceMonitorOutsideTheOperatorsSchemaIsRefused() {
        assertThat(KubernetesManifests.problems(replace(overlay, "  - interval: 30s\n", "  - intervall: 30s\n")))
                .singleElement()
                .asString()
                .contains("ServiceMonitor ballast: spec.endpoints[0].intervall: Unrecognized field");
        assertThat(KubernetesManifests.problems(
                        replace(overlay, "    path: /q/metrics\n", "    path:\n    - /q/metrics\n")))
                .singleElement()
                .asString()
                .contains("ServiceMonitor ballast: spec.endpoints[0].path: Cannot deserialize value of type"
                        + " `java.lang.String` from Array");
        assertThat(KubernetesManifests.problems(
                        replace(overlay, "    port: http\n  selector:\n", "    port: metrics\n  selector:\n")))
                .hasSize(4)
                .allSatisfy(problem -> assertThat(problem)
                        .startsWith("ServiceMonitor ballast: endpoint port metrics is not a port of Service"));
    }

    @Test
    void aConfigMapOrSecretThatIsNotRenderedIsRefused() {
        assertThat(KubernetesManifests.problems(
                        replace(overlay, "key: BALLAST_LIBVIRT_URIS\n", "key: BALLAST_LIBVIRT_URI\n")))
                .singleElement()
                .asString()
                .startsWith("Deployment inventory-service container inventory-service env BALLAST_LIBVIRT_URIS:"
                        + " ConfigMap ballast-config-")
                .contains("has no key BALLAST_LIBVIRT_URI (it has [BALLAST_DB_URL, BALLAST_KAFKA_BOOTSTRAP,"
                        + " BALLAST_LIBVIRT_URIS])");
        assertThat(KubernetesManifests.problems(
                        replace(overlay, "secretName: ballast-worker-token\n", "secretName: ballast-worker-tokens\n")))
                .singleElement()
                .asString()
                .isEqualTo("DaemonSet resize-worker volume inventory-token: Secret ballast-worker-tokens is not in the"
                        + " rendering");
        assertThat(KubernetesManifests.problems(replace(overlay, "- key: gateway.p12\n", "- key: gateway.pfx\n")))
                .singleElement()
                .asString()
                .contains("Secret ballast-gateway-certs-")
                .contains("has no key gateway.pfx");
    }

    @Test
    void aPortThatIsNotThereIsRefused() {
        assertThat(KubernetesManifests.problems(replace(overlay, "targetPort: agents\n", "targetPort: agent\n")))
                .singleElement()
                .asString()
                .isEqualTo("Service guest-gateway-agents: port agents targets agent, which no container of the pods it"
                        + " selects has");
        assertThat(KubernetesManifests.problems(replace(
                        overlay,
                        "            path: /q/health/ready\n            port: http\n",
                        "            path: /q/health/ready\n            port: 8080\n")))
                .singleElement()
                .asString()
                .endsWith("readinessProbe: port 8080 is not a port of the container");
    }

    @Test
    void aProbeOrEnvironmentTheServiceDoesNotHaveIsRefused() throws IOException {
        assertThat(serviceProblems(KubernetesManifests.valid(
                        replace(overlay, "path: /q/health/ready\n", "path: /health/ready\n"))))
                .singleElement()
                .asString()
                .endsWith("readinessProbe: GET /health/ready on http, not /q/health/ready on http");
        assertThat(serviceProblems(KubernetesManifests.valid(
                        replace(overlay, "- name: BALLAST_HOST_ID\n", "- name: BALLAST_HOSTID\n"))))
                .contains("DaemonSet resize-worker: sets BALLAST_HOSTID, which resize-worker does not read");
        assertThat(serviceProblems(
                        KubernetesManifests.valid(replace(overlay, "containerPort: 8082\n", "containerPort: 8080\n"))))
                .contains("Deployment reservation-service: port http is 8080, but reservation-service listens on 8082"
                        + " (quarkus.http.port)");
    }

    /**
     * Where the workloads differ from their services: probes other than /q/health/live and /q/health/ready on the
     * port "http", a port other than the one the service listens on, a BALLAST_ variable the service does not read,
     * or one it needs (no default) left unset.
     */
    private static List<String> serviceProblems(List<Manifest> manifests) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Manifest manifest : manifests) {
            for (PodTemplateSpec template : KubernetesManifests.templates(manifest.object())) {
                for (Container container : template.getSpec().getContainers()) {
                    String module = container.getName();
                    if (!SERVICES.contains(module)) {
                        problems.add(manifest.id() + ": container " + module + " is none of " + SERVICES);
                        continue;
                    }
                    serviceProblems(manifest.id(), module, container, problems);
                }
            }
        }
        return problems;
    }

    private static void serviceProblems(String id, String module, Container container, List<String> problems)
            throws IOException {
        String ownText = Files.readString(Program.ROOT.resolve(module + "/src/main/resources/application.properties"));
        String sharedText = Files.readString(
                Program.ROOT.resolve("service-support/src/main/resources/META-INF/microprofile-config.properties"));
        Properties own = properties(ownText);
        Properties shared = properties(sharedText);

        // /q/health/live and /q/health/ready are Quarkus's own paths (non-application root "q", SmallRye Health's
        // "health", "live", "ready"), which ServiceBootChecks calls on every service; none of them is moved.
        for (Properties config : List.of(own, shared)) {
            for (String key : config.stringPropertyNames()) {
                String bare = key.replaceFirst("^%[a-z]+\\.", "");
                if (bare.startsWith("quarkus.smallrye-health.")
                        || bare.equals("quarkus.http.root-path")
                        || bare.equals("quarkus.http.non-application-root-path")) {
                    problems.add(id + ": " + module + " sets " + key + ", which moves its health endpoints");
                }
            }
        }
        probe(id, "startupProbe", container.getStartupProbe(), "/q/health/live", problems);
        probe(id, "livenessProbe", container.getLivenessProbe(), "/q/health/live", problems);
        probe(id, "readinessProbe", container.getReadinessProbe(), "/q/health/ready", problems);

        Map<String, Integer> ports = new TreeMap<>();
        for (ContainerPort port : Optional.ofNullable(container.getPorts()).orElse(List.of())) {
            ports.put(port.getName(), port.getContainerPort());
        }
        port(id, module, ports, "http", own.getProperty("quarkus.http.port"), "quarkus.http.port", problems);
        if (module.equals("guest-gateway")) {
            port(
                    id,
                    module,
                    ports,
                    "agents",
                    own.getProperty("quarkus.http.ssl-port"),
                    "quarkus.http.ssl-port",
                    problems);
        }

        String read = ownText + "\n" + sharedText;
        List<String> set = Optional.ofNullable(container.getEnv()).orElse(List.of()).stream()
                .map(EnvVar::getName)
                .toList();
        for (String name : set) {
            if (name.startsWith("BALLAST_") && !read.contains("${" + name + "}") && !read.contains("${" + name + ":")) {
                problems.add(id + ": sets " + name + ", which " + module + " does not read");
            }
        }
        Matcher needed = Pattern.compile("\\$\\{(BALLAST_[A-Z_]+)}").matcher(read);
        while (needed.find()) {
            if (!set.contains(needed.group(1))) {
                problems.add(id + ": leaves " + needed.group(1) + " unset, which " + module + " needs (no default)");
            }
        }
    }

    private static void probe(String id, String kind, Probe probe, String path, List<String> problems) {
        HTTPGetAction get = probe == null ? null : probe.getHttpGet();
        String actual =
                get == null ? "none" : get.getPath() + " on " + get.getPort().getValue();
        if (!actual.equals(path + " on http")) {
            problems.add(id + " " + kind + ": GET " + actual + ", not " + path + " on http");
        }
    }

    private static void port(
            String id,
            String module,
            Map<String, Integer> ports,
            String name,
            String configured,
            String property,
            List<String> problems) {
        Integer port = ports.get(name);
        if (configured == null || port == null || port != Integer.parseInt(configured)) {
            problems.add(id + ": port " + name + " is " + port + ", but " + module + " listens on " + configured + " ("
                    + property + ")");
        }
    }

    private static Properties properties(String text) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        return properties;
    }

    /** {@code yaml} with the first {@code from} replaced; {@code from} must be there, so no proof passes vacuously. */
    private static String replace(String yaml, String from, String to) {
        assertThat(yaml).as("the rendering holds what the proof breaks").contains(from);
        int at = yaml.indexOf(from);
        return yaml.substring(0, at) + to + yaml.substring(at + from.length());
    }
}
