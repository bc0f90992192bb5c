package io.ballast.contract;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.ballast.local.launch.Commands;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The objects of a kustomization as {@code kubectl kustomize} renders them, and what is wrong with them: each object
 * read strictly into the Kubernetes model of its kind (fabric8's classes, generated from the Kubernetes OpenAPI
 * schemas and, for ServiceMonitor, from the prometheus-operator CRD), then every reference between them followed.
 */
final class KubernetesManifests {

    /** The kinds deploy/kubernetes may hold, by apiVersion/kind; any other kind is a problem (no schema to check). */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "apps/v1/DaemonSet", DaemonSet.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class);

    /**
     * Fields the schemas mark required ({@code required} in the Kubernetes OpenAPI definitions and the
     * prometheus-operator CRD), for the types these manifests use: the model classes carry no such mark.
     */
    static final Map<Class<?>, List<String>> REQUIRED = Map.ofEntries(
            Map.entry(io.fabric8.kubernetes.api.model.apps.DeploymentSpec.class, List.of("selector", "template")),
            Map.entry(io.fabric8.kubernetes.api.model.apps.DaemonSetSpec.class, List.of("selector", "template")),
            Map.entry(io.fabric8.kubernetes.api.model.PodSpec.class, List.of("containers")),
            Map.entry(Container.class, List.of("name")),
            Map.entry(ContainerPort.class, List.of("containerPort")),
            Map.entry(EnvVar.class, List.of("name")),
            Map.entry(ConfigMapKeySelector.class, List.of("key")),
            Map.entry(SecretKeySelector.class, List.of("key")),
            Map.entry(io.fabric8.kubernetes.api.model.ObjectFieldSelector.class, List.of("fieldPath")),
            Map.entry(Volume.class, List.of("name")),
            Map.entry(VolumeMount.class, List.of("name", "mountPath")),
            Map.entry(io.fabric8.kubernetes.api.model.HostPathVolumeSource.class, List.of("path")),
            Map.entry(KeyToPath.class, List.of("key", "path")),
            Map.entry(io.fabric8.kubernetes.api.model.HTTPGetAction.class, List.of("port")),
            Map.entry(io.fabric8.kubernetes.api.model.TCPSocketAction.class, List.of("port")),
            Map.entry(io.fabric8.kubernetes.api.model.GRPCAction.class, List.of("port")),
            Map.entry(ServicePort.class, List.of("port")),
            Map.entry(
                    io.fabric8.kubernetes.api.model.TopologySpreadConstraint.class,
                    List.of("maxSkew", "topologyKey", "whenUnsatisfiable")),
            Map.entry(io.fabric8.kubernetes.api.model.LabelSelectorRequirement.class, List.of("key", "operator")),
            Map.entry(io.fabric8.kubernetes.api.model.SeccompProfile.class, List.of("type")),
            Map.entry(ServiceMonitor.class, List.of("spec")),
            Map.entry(io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitorSpec.class, List.of("selector")));

    /**
     * Jackson as the API server reads JSON: an unknown field is refused (the model classes keep unknown fields in
     * {@code additionalProperties}; that any-setter is switched off), and no scalar becomes another type (a
     * string where a number belongs, a number where a string belongs).
     */
    private static final ObjectMapper STRICT = strictMapper();

    private static final ObjectMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    /** One object of the rendering: its kind, name, and the typed object when it read. */
    record Manifest(String kind, String name, JsonNode tree, HasMetadata object) {
        String id() {
            return kind + " " + name;
        }
    }

    private final List<Manifest> manifests;
    private final List<String> problems = new ArrayList<>();

    private KubernetesManifests(String yaml, boolean references) {
        this.manifests = read(yaml);
        if (references && problems.isEmpty()) {
            checkReferences();
        }
    }

    /** {@code kubectl kustomize dir}: the rendering as YAML documents. */
    static String render(Path kustomization) {
        return Commands.run("kubectl", "kustomize", kustomization.toString());
    }

    /** What is wrong with {@code yaml} (rendered objects): nothing when the list is empty. */
    static List<String> problems(String yaml) {
        return List.copyOf(new KubernetesManifests(yaml, true).problems);
    }

    /**
     * What is wrong with each object of {@code yaml} on its own, against its kind's schema; references to objects
     * the rendering does not hold are not followed (a base leaves the Secrets to its overlays).
     */
    static List<String> schemaProblems(String yaml) {
        return List.copyOf(new KubernetesManifests(yaml, false).problems);
    }

    /** The objects of {@code yaml}, each read into its kind's model; fails naming every problem. */
    static List<Manifest> valid(String yaml) {
        KubernetesManifests read = new KubernetesManifests(yaml, true);
        if (!read.problems.isEmpty()) {
            throw new AssertionError("the manifests have problems:\n  " + String.join("\n  ", read.problems));
        }
        return read.manifests;
    }

    private List<Manifest> read(String yaml) {
        List<Manifest> read = new ArrayList<>();
        try (var documents = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (documents.hasNext()) {
                JsonNode tree = (JsonNode) documents.next();
                if (tree == null || tree.isNull() || tree.isMissingNode()) {
                    continue;
                }
                String kind = tree.path("kind").asText();
                String name = tree.path("metadata").path("name").asText();
                String type = tree.path("apiVersion").asText() + "/" + kind;
                Class<? extends HasMetadata> model = KINDS.get(type);
                if (model == null) {
                    problems.add(kind + " " + name + ": no schema for " + type + " (the kinds checked: "
                            + KINDS.keySet() + ")");
                    continue;
                }
                if (name.isEmpty()) {
                    problems.add(kind + ": no metadata.name");
                }
                try {
                    HasMetadata object = STRICT.treeToValue(tree, model);
                    checkRequired(kind + " " + name, "", object);
                    checkQuantities(kind + " " + name, object);
                    read.add(new Manifest(kind, name, tree, object));
                } catch (JsonMappingException e) {
                    problems.add(kind + " " + name + ": " + path(e) + ": " + e.getOriginalMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("the rendering is not YAML", e);
        }
        return read;
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "(the object)" : path.toString();
    }

    /** Walks the typed object by its JSON properties and reports a required field that is absent. */
    private void checkRequired(String id, String path, Object value) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                checkRequired(id, path + "[" + i++ + "]", item);
            }
            return;
        }
        if (value instanceof Map<?, ?> entries) {
            entries.forEach((key, item) -> checkRequired(id, path + "." + key, item));
            return;
        }
        if (!value.getClass().getPackageName().startsWith("io.fabric8")
                || value instanceof IntOrString
                || value instanceof Quantity) {
            return;
        }
        var description = STRICT.getSerializationConfig().introspect(STRICT.constructType(value.getClass()));
        Map<String, Object> properties = new LinkedHashMap<>();
        for (BeanPropertyDefinition property : description.findProperties()) {
            if (property.getAccessor() == null) {
                continue;
            }
            property.getAccessor().fixAccess(true);
            properties.put(property.getName(), property.getAccessor().getValue(value));
        }
        for (String required : REQUIRED.getOrDefault(value.getClass(), List.of())) {
            Object present = properties.get(required);
            if (present == null || (present instanceof Collection<?> c && c.isEmpty())) {
                problems.add(id + ": " + (path.isEmpty() ? "" : path.substring(path.startsWith(".") ? 1 : 0) + ".")
                        + required + " is required");
            }
        }
        properties.forEach((name, item) -> checkRequired(id, path + "." + name, item));
    }

    /** Every resource amount is a Kubernetes quantity ("250m", "768Mi"). */
    private void checkQuantities(String id, HasMetadata object) {
        for (PodTemplateSpec template : templates(object)) {
            for (Container container : template.getSpec().getContainers()) {
                if (container.getResources() == null) {
                    continue;
                }
                String where = "container " + container.getName() + " resources.";
                Optional.ofNullable(container.getResources().getRequests())
                        .ifPresent(amounts -> amounts.forEach(
                                (resource, amount) -> quantity(id, where + "requests." + resource, amount)));
                Optional.ofNullable(container.getResources().getLimits())
                        .ifPresent(amounts -> amounts.forEach(
                                (resource, amount) -> quantity(id, where + "limits." + resource, amount)));
            }
            for (Volume volume :
                    Optional.ofNullable(template.getSpec().getVolumes()).orElse(List.of())) {
                if (volume.getEmptyDir() != null && volume.getEmptyDir().getSizeLimit() != null) {
                    quantity(
                            id,
                            "volume " + volume.getName() + " sizeLimit",
                            volume.getEmptyDir().getSizeLimit());
                }
            }
        }
    }

    private void quantity(String id, String what, Quantity amount) {
        try {
            Quantity.getAmountInBytes(amount);
        } catch (IllegalArgumentException | ArithmeticException e) {
            problems.add(id + ": " + what + " '" + amount + "' is not a quantity");
        }
    }

    // --- references ---------------------------------------------------------------------------------------------

    private void checkReferences() {
        Map<String, ConfigMap> configMaps = byName(ConfigMap.class);
        Map<String, Secret> secrets = byName(Secret.class);
        Set<String> namespaces = byName(Namespace.class).keySet();
        for (Manifest manifest : manifests) {
            String namespace = manifest.object().getMetadata().getNamespace();
            if (!(manifest.object() instanceof Namespace) && namespace != null && !namespaces.contains(namespace)) {
                problems.add(manifest.id() + ": namespace " + namespace + " is not in the rendering");
            }
            for (PodTemplateSpec template : templates(manifest.object())) {
                checkPod(manifest.id(), template, configMaps, secrets);
            }
            if (manifest.object() instanceof Service service) {
                checkService(manifest.id(), service);
            }
            if (manifest.object() instanceof PodDisruptionBudget budget) {
                LabelSelector selector = budget.getSpec().getSelector();
                if (selector == null
                        || workloadsSelected(selector.getMatchLabels()).isEmpty()) {
                    problems.add(manifest.id() + ": its selector matches no workload's pods");
                }
            }
            if (manifest.object() instanceof ServiceMonitor monitor) {
                checkServiceMonitor(manifest.id(), monitor);
            }
        }
    }

    private void checkPod(
            String id, PodTemplateSpec template, Map<String, ConfigMap> configMaps, Map<String, Secret> secrets) {
        var spec = template.getSpec();
        Map<String, Volume> volumes = new LinkedHashMap<>();
        for (Volume volume : Optional.ofNullable(spec.getVolumes()).orElse(List.of())) {
            if (volumes.put(volume.getName(), volume) != null) {
                problems.add(id + ": volume " + volume.getName() + " is defined twice");
            }
            ConfigMapVolumeSource configMap = volume.getConfigMap();
            if (configMap != null) {
                keys(
                        id,
                        "volume " + volume.getName(),
                        "ConfigMap",
                        configMap.getName(),
                        configMaps,
                        configMap.getItems());
            }
            SecretVolumeSource secret = volume.getSecret();
            if (secret != null) {
                keys(id, "volume " + volume.getName(), "Secret", secret.getSecretName(), secrets, secret.getItems());
            }
        }
        for (Container container : spec.getContainers()) {
            String where = id + " container " + container.getName();
            for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
                if (env.getValueFrom() == null) {
                    continue;
                }
                ConfigMapKeySelector fromConfigMap = env.getValueFrom().getConfigMapKeyRef();
                if (fromConfigMap != null && !Boolean.TRUE.equals(fromConfigMap.getOptional())) {
                    key(
                            where + " env " + env.getName(),
                            "ConfigMap",
                            fromConfigMap.getName(),
                            configMaps,
                            fromConfigMap.getKey());
                }
                SecretKeySelector fromSecret = env.getValueFrom().getSecretKeyRef();
                if (fromSecret != null && !Boolean.TRUE.equals(fromSecret.getOptional())) {
                    key(where + " env " + env.getName(), "Secret", fromSecret.getName(), secrets, fromSecret.getKey());
                }
            }
            for (EnvFromSource from :
                    Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
                if (from.getConfigMapRef() != null
                        && !configMaps.containsKey(from.getConfigMapRef().getName())) {
                    problems.add(where + " envFrom: ConfigMap "
                            + from.getConfigMapRef().getName() + " is not in the" + " rendering");
                }
                if (from.getSecretRef() != null
                        && !secrets.containsKey(from.getSecretRef().getName())) {
                    problems.add(where + " envFrom: Secret "
                            + from.getSecretRef().getName() + " is not in the" + " rendering");
                }
            }
            for (VolumeMount mount :
                    Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
                if (!volumes.containsKey(mount.getName())) {
                    problems.add(where + " mounts volume " + mount.getName() + ", which the pod does not define");
                }
            }
            for (var probe : Map.of(
                            "livenessProbe", Optional.ofNullable(container.getLivenessProbe()),
                            "readinessProbe", Optional.ofNullable(container.getReadinessProbe()),
                            "startupProbe", Optional.ofNullable(container.getStartupProbe()))
                    .entrySet()) {
                probe.getValue().ifPresent(p -> checkProbePort(where + " " + probe.getKey(), container, p));
            }
        }
    }

    private void keys(
            String where,
            String what,
            String kind,
            String name,
            Map<String, ? extends HasMetadata> present,
            List<KeyToPath> items) {
        if (!present.containsKey(name)) {
            problems.add(where + " " + what + ": " + kind + " " + name + " is not in the rendering");
            return;
        }
        for (KeyToPath item : Optional.ofNullable(items).orElse(List.of())) {
            key(where + " " + what, kind, name, present, item.getKey());
        }
    }

    private void key(String where, String kind, String name, Map<String, ? extends HasMetadata> present, String key) {
        HasMetadata object = present.get(name);
        if (object == null) {
            problems.add(where + ": " + kind + " " + name + " is not in the rendering");
            return;
        }
        Set<String> keys = object instanceof ConfigMap configMap
                ? union(configMap.getData(), configMap.getBinaryData())
                : union(((Secret) object).getData(), ((Secret) object).getStringData());
        if (!keys.contains(key)) {
            problems.add(where + ": " + kind + " " + name + " has no key " + key + " (it has " + keys + ")");
        }
    }

    private static Set<String> union(Map<String, String> a, Map<String, String> b) {
        Set<String> keys = new java.util.TreeSet<>();
        Optional.ofNullable(a).ifPresent(m -> keys.addAll(m.keySet()));
        Optional.ofNullable(b).ifPresent(m -> keys.addAll(m.keySet()));
        return keys;
    }

    private void checkProbePort(String where, Container container, Probe probe) {
        IntOrString port = null;
        if (probe.getHttpGet() != null) {
            port = probe.getHttpGet().getPort();
        } else if (probe.getTcpSocket() != null) {
            port = probe.getTcpSocket().getPort();
        } else if (probe.getGrpc() != null) {
            port = new IntOrString(probe.getGrpc().getPort());
        }
        if (port != null && !hasPort(container, port)) {
            problems.add(where + ": port " + port.getValue() + " is not a port of the container");
        }
    }

    private static boolean hasPort(Container container, IntOrString port) {
        Predicate<ContainerPort> matches = port.getStrVal() != null
                ? p -> port.getStrVal().equals(p.getName())
                : p -> Objects.equals(port.getIntVal(), p.getContainerPort());
        return Optional.ofNullable(container.getPorts()).orElse(List.of()).stream()
                .anyMatch(matches);
    }

    private void checkService(String id, Service service) {
        Map<String, String> selector = service.getSpec().getSelector();
        List<PodTemplateSpec> pods = workloadsSelected(selector);
        if (pods.isEmpty()) {
            problems.add(id + ": its selector " + selector + " matches no workload's pods");
            return;
        }
        for (ServicePort port : service.getSpec().getPorts()) {
            IntOrString target = port.getTargetPort() != null ? port.getTargetPort() : new IntOrString(port.getPort());
            for (PodTemplateSpec pod : pods) {
                boolean served = pod.getSpec().getContainers().stream().anyMatch(c -> hasPort(c, target));
                if (!served) {
                    problems.add(id + ": port " + port.getName() + " targets " + target.getValue()
                            + ", which no container of the pods it selects has");
                }
            }
        }
    }

    private void checkServiceMonitor(String id, ServiceMonitor monitor) {
        Map<String, String> selector = monitor.getSpec().getSelector().getMatchLabels();
        List<Service> services = manifests.stream()
                .map(Manifest::object)
                .filter(Service.class::isInstance)
                .map(Service.class::cast)
                .filter(s -> selects(selector, s.getMetadata().getLabels()))
                .toList();
        if (services.isEmpty()) {
            problems.add(id + ": its selector " + selector + " matches no Service");
        }
        for (Endpoint endpoint : monitor.getSpec().getEndpoints()) {
            for (Service service : services) {
                boolean named = service.getSpec().getPorts().stream()
                        .anyMatch(p -> Objects.equals(p.getName(), endpoint.getPort()));
                if (!named) {
                    problems.add(id + ": endpoint port " + endpoint.getPort() + " is not a port of Service "
                            + service.getMetadata().getName());
                }
            }
        }
    }

    /** The pod templates of the workloads whose pods carry every label of {@code selector}. */
    private List<PodTemplateSpec> workloadsSelected(Map<String, String> selector) {
        return manifests.stream()
                .flatMap(m -> templates(m.object()).stream())
                .filter(t -> selects(selector, t.getMetadata().getLabels()))
                .toList();
    }

    private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null
                && !selector.isEmpty()
                && labels != null
                && labels.entrySet().containsAll(selector.entrySet());
    }

    static List<PodTemplateSpec> templates(HasMetadata object) {
        if (object instanceof Deployment deployment && deployment.getSpec() != null) {
            return List.of(deployment.getSpec().getTemplate());
        }
        if (object instanceof DaemonSet daemonSet && daemonSet.getSpec() != null) {
            return List.of(daemonSet.getSpec().getTemplate());
        }
        return List.of();
    }

    private <T extends HasMetadata> Map<String, T> byName(Class<T> kind) {
        Map<String, T> named = new LinkedHashMap<>();
        manifests.stream()
                .map(Manifest::object)
                .filter(kind::isInstance)
                .map(kind::cast)
                .forEach(o -> named.put(o.getMetadata().getName(), o));
        return named;
    }

    /** The decoded value of {@code key} in Secret {@code secret}. */
    static String secretValue(Secret secret, String key) {
        return new String(
                Base64.getDecoder().decode(secret.getData().get(key)), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static ObjectMapper strictMapper() {
        ObjectMapper mapper = JsonMapper.builder()
                .annotationIntrospector(new JacksonAnnotationIntrospector() {
                    @Override
                    public Boolean hasAnySetter(Annotated annotated) {
                        return null;
                    }
                })
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        for (CoercionInputShape shape :
                List.of(CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean)) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return mapper;
    }
}
