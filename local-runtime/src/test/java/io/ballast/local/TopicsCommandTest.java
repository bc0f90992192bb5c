package io.ballast.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.proto.events.Topic;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** {@code ./ballast topics} against a real broker: a cluster with some topics, one of them configured otherwise. */
class TopicsCommandTest {

    private static final String COMMANDS = Topic.BALLAST_COMMANDS.topicName();

    @Test
    void aDryRunSaysWhatItWouldDoAndARunDoesItOnce() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start();
                Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            // made before the definitions: deleted by age, 2 partitions instead of the defined 6
            admin.createTopics(
                            List.of(new NewTopic(COMMANDS, 2, (short) 1).configs(Map.of("cleanup.policy", "delete"))))
                    .all()
                    .get(30, TimeUnit.SECONDS);

            Run dry = run("--bootstrap", broker.bootstrapServers(), "--replication-factor", "1", "--dry-run");
            assertThat(dry.exit()).as(dry.err()).isEqualTo(ExitCode.DONE);
            assertThat(dry.out())
                    .contains("would: topic=" + COMMANDS + " configs-set {cleanup.policy=compact,")
                    .contains("would: topic=" + COMMANDS + " partitions-differ has=2 defined=6")
                    .contains("would: topic=" + Topic.INVENTORY.topicName() + " created partitions=6"
                            + " replication-factor=1");
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).containsExactly(COMMANDS);
            assertThat(policy(admin)).isEqualTo("delete");

            Run applied = run("--bootstrap", broker.bootstrapServers(), "--replication-factor", "1");
            assertThat(applied.exit()).as(applied.err()).isEqualTo(ExitCode.DONE);
            // the controller takes the change; the broker answers with it once the metadata reached it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!policy(admin).equals("compact") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(policy(admin)).isEqualTo("compact");
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(Topic.values())
                            .map(Topic::topicName)
                            .toList());

            Run again = run("--bootstrap", broker.bootstrapServers(), "--replication-factor", "1");
            assertThat(again.out().lines())
                    .as("nothing left to do but the partitions it will not add")
                    .allMatch(line -> line.endsWith(" as-defined") || line.contains(" partitions-differ "));
        }
    }

    @Test
    void aReplicationFactorBelowOneIsRefusedInOneLine() {
        Run refused = run("--bootstrap", "localhost:1", "--replication-factor", "0");
        assertThat(refused.exit()).isEqualTo(ExitCode.REFUSED);
        assertThat(refused.err().strip()).isEqualTo("ballast topics: --replication-factor must be 1 or more, not 0");
    }

    private static String policy(Admin admin) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, COMMANDS);
        return admin.describeConfigs(List.of(resource))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(resource)
                .get("cleanup.policy")
                .value();
    }

    record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Program program = Program.of(new TopicsCommand());
        program.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        int exit = program.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
