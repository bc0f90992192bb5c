package io.ballast.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.ReclaimJob;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class EventProducerTest {

    @Test
    void aPublishedEventIsOnTheTopicWhenPublishReturnsInTheProducersEnvelope() {
        try (Broker broker = TestInfrastructure.startKafka(1)) {
            ReclaimJob job = ReclaimJob.newBuilder()
                    .setJobId("job-1")
                    .setDiskId("disk-1")
                    .build();
            try (EventTap jobs = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_JOBS);
                    EventProducer reservation =
                            EventProducer.connect(broker.bootstrapServers(), "reservation-service")) {
                reservation.send(new ProducerRecord<>(
                        Topic.WORKER_JOBS.topicName(), "disk-1", "not an envelope".getBytes(StandardCharsets.UTF_8)));
                reservation.publish(Topic.WORKER_JOBS, "disk-1", job);

                var event = jobs.readUntil(e -> e.payload().equals(job), Duration.ofSeconds(30))
                        .getLast();
                assertThat(event.envelope().getProducer()).isEqualTo("reservation-service");
                assertThat(event.envelope().getSubjectId()).isEqualTo("disk-1");
            }

            // At a rate: publishing returns at once, the future completes once the broker has the record.
            ReclaimJob next = job.toBuilder().setJobId("job-2").build();
            try (EventTap jobs = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_JOBS);
                    EventProducer bench = EventProducer.batching(broker.bootstrapServers(), "ballast-bench")) {
                var acknowledged = bench.publishAsync(Topic.WORKER_JOBS, "disk-1", next);
                bench.flush();

                assertThat(acknowledged).isCompleted();
                assertThat(acknowledged.join().topic()).isEqualTo(Topic.WORKER_JOBS.topicName());
                var event = jobs.readUntil(e -> e.payload().equals(next), Duration.ofSeconds(30))
                        .getLast();
                assertThat(event.envelope().getProducer()).isEqualTo("ballast-bench");
            }
        }
    }
}
