package io.ballast.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Ballast's topics as {@code deploy/kafka/topics.properties} defines them (built into this module as the resource
 * {@value #RESOURCE}): each topic's partitions, replication and topic configs, and how a cluster is brought in line
 * with them (the local stack's broker, and an existing cluster through {@link TopicsCommand}).
 */
public final class KafkaTopics {

    /** Where the definitions are on the class path. */
    public static final String RESOURCE = "/io/ballast/local/kafka/topics.properties";

    private static final String MIN_IN_SYNC = "min.insync.replicas";

    /** One topic: its name, partitions, replication factor and configs. */
    public record Definition(String name, int partitions, short replicationFactor, Map<String, String> configs) {
        public Definition {
            if (partitions < 1 || replicationFactor < 1) {
                throw new IllegalArgumentException(
                        "topic " + name + " needs at least one partition and one replica, not " + partitions + " and "
                                + replicationFactor);
            }
            configs = Map.copyOf(configs);
        }

        /**
         * The topic on a cluster of {@code brokers} brokers with {@code partitionCount} partitions: no more replicas
         * than brokers, and no in-sync minimum above the replicas (a single local broker could take no write).
         */
        public Definition on(int brokers, int partitionCount) {
            short replicas = (short) Math.min(replicationFactor, brokers);
            Map<String, String> kept = new TreeMap<>(configs);
            if (kept.containsKey(MIN_IN_SYNC) && Integer.parseInt(kept.get(MIN_IN_SYNC)) > replicas) {
                kept.remove(MIN_IN_SYNC);
            }
            return new Definition(name, partitionCount, replicas, kept);
        }
    }

    /** What {@link #apply} did, or would do, to one topic. */
    public record Change(String topic, String action, String detail) {
        @Override
        public String toString() {
            return "topic=" + topic + " " + action + (detail.isEmpty() ? "" : " " + detail);
        }
    }

    private KafkaTopics() {}

    /**
     * Creates every topic as defined on the one broker at {@code bootstrapServers} (one replica, no in-sync minimum
     * above it) with {@code partitions} partitions each; a topic that exists is kept, with the defined configs set.
     */
    public static void createOneBroker(String bootstrapServers, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            apply(admin, all().stream().map(topic -> topic.on(1, partitions)).toList(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "could not create Ballast's topics on " + bootstrapServers + ": " + e.getMessage(), e);
        }
    }

    /**
     * Brings the cluster {@code admin} talks to in line with {@code topics}: a missing topic is created as defined, an
     * existing one gets every defined config set (what it has beyond them is left). Partitions are never added to an
     * existing topic (that would move keys to other partitions and reorder a disk's commands): a count that differs is
     * reported. With {@code dryRun} nothing changes; the changes are answered either way.
     */
    public static List<Change> apply(Admin admin, List<Definition> topics, boolean dryRun)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<Change> changes = new ArrayList<>();
        List<NewTopic> created = new ArrayList<>();
        List<Definition> present = new ArrayList<>();
        for (Definition topic : topics) {
            if (existing.contains(topic.name())) {
                present.add(topic);
            } else {
                created.add(new NewTopic(topic.name(), topic.partitions(), topic.replicationFactor())
                        .configs(topic.configs()));
                changes.add(new Change(
                        topic.name(),
                        "created",
                        "partitions=" + topic.partitions() + " replication-factor=" + topic.replicationFactor() + " "
                                + new TreeMap<>(topic.configs())));
            }
        }
        if (!dryRun && !created.isEmpty()) {
            admin.createTopics(created).all().get(30, TimeUnit.SECONDS);
        }
        if (present.isEmpty()) {
            return changes;
        }
        Map<String, TopicDescription> descriptions = admin.describeTopics(
                        present.stream().map(Definition::name).toList())
                .allTopicNames()
                .get(30, TimeUnit.SECONDS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(present.stream()
                        .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic.name()))
                        .toList())
                .all()
                .get(30, TimeUnit.SECONDS);
        Map<ConfigResource, Collection<AlterConfigOp>> alterations = new LinkedHashMap<>();
        for (Definition topic : present) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
            Config current = configs.get(resource);
            Map<String, String> differing = new TreeMap<>();
            for (Map.Entry<String, String> wanted : new TreeMap<>(topic.configs()).entrySet()) {
                ConfigEntry entry = current.get(wanted.getKey());
                if (entry == null || !wanted.getValue().equals(entry.value())) {
                    differing.put(wanted.getKey(), wanted.getValue());
                }
            }
            int partitions = descriptions.get(topic.name()).partitions().size();
            if (partitions != topic.partitions()) {
                changes.add(new Change(
                        topic.name(),
                        "partitions-differ",
                        "has=" + partitions + " defined=" + topic.partitions()
                                + " (left as it is: more partitions would move keys)"));
            }
            if (differing.isEmpty()) {
                changes.add(new Change(topic.name(), "as-defined", ""));
                continue;
            }
            alterations.put(
                    resource,
                    differing.entrySet().stream()
                            .map(config -> new AlterConfigOp(
                                    new ConfigEntry(config.getKey(), config.getValue()), AlterConfigOp.OpType.SET))
                            .toList());
            changes.add(new Change(topic.name(), "configs-set", differing.toString()));
        }
        if (!dryRun && !alterations.isEmpty()) {
            admin.incrementalAlterConfigs(alterations).all().get(30, TimeUnit.SECONDS);
        }
        return changes;
    }

    /** Every topic the definitions name, in name order. */
    public static List<Definition> all() {
        try (InputStream in = KafkaTopics.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the topic definitions " + RESOURCE + " are not on the class path");
            }
            Properties properties = new Properties();
            properties.load(in);
            return parse(properties);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the topic definitions: " + e.getMessage(), e);
        }
    }

    /**
     * The topics of {@code properties} ({@code TOPIC.partitions}, {@code TOPIC.replication-factor},
     * {@code TOPIC.config.NAME}).
     *
     * @throws IllegalArgumentException naming the key when one is neither, a number is not one, or a topic lacks
     *     its partitions or replication factor
     */
    static List<Definition> parse(Properties properties) {
        Map<String, Integer> partitions = new TreeMap<>();
        Map<String, Short> replication = new TreeMap<>();
        Map<String, Map<String, String>> configs = new TreeMap<>();
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            String value = properties.getProperty(key).strip();
            int config = key.indexOf(".config.");
            if (config > 0) {
                configs.computeIfAbsent(key.substring(0, config), topic -> new LinkedHashMap<>())
                        .put(key.substring(config + ".config.".length()), value);
            } else if (key.endsWith(".partitions")) {
                partitions.put(key.substring(0, key.length() - ".partitions".length()), number(key, value));
            } else if (key.endsWith(".replication-factor")) {
                replication.put(
                        key.substring(0, key.length() - ".replication-factor".length()), (short) number(key, value));
            } else {
                throw new IllegalArgumentException("topic definition '" + key + "' is not TOPIC.partitions,"
                        + " TOPIC.replication-factor or TOPIC.config.NAME");
            }
        }
        TreeSet<String> names = new TreeSet<>(partitions.keySet());
        names.addAll(replication.keySet());
        names.addAll(configs.keySet());
        List<Definition> topics = new ArrayList<>();
        for (String name : names) {
            if (!partitions.containsKey(name) || !replication.containsKey(name)) {
                throw new IllegalArgumentException(
                        "topic " + name + " needs both " + name + ".partitions and " + name + ".replication-factor");
            }
            topics.add(new Definition(
                    name, partitions.get(name), replication.get(name), configs.getOrDefault(name, Map.of())));
        }
        return topics;
    }

    private static int number(String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("topic definition " + key + " is not a whole number: '" + value + "'");
        }
    }
}
