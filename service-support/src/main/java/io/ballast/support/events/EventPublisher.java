package io.ballast.support.events;

import com.google.protobuf.Message;
import io.ballast.proto.events.Topic;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

/**
 * Puts events on Ballast's topics through the shared codec and the {@code ballast-events} channel, whose topic is
 * set per record. A service that publishes configures the channel
 * ({@code mp.messaging.outgoing.ballast-events.connector=smallrye-kafka}).
 */
@ApplicationScoped
public class EventPublisher {

    private final Events events;
    private final Emitter<byte[]> emitter;

    EventPublisher(Events events, @Channel("ballast-events") Emitter<byte[]> emitter) {
        this.events = events;
        this.emitter = emitter;
    }

    /** Sends the event; completes once the broker acknowledged it, or exceptionally. */
    public CompletionStage<Void> publish(Topic topic, String subjectId, Message payload) {
        ProducerRecord<String, byte[]> record = events.record(topic, subjectId, payload);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(record.topic())
                .withKey(record.key())
                .withHeaders(record.headers())
                .build();
        emitter.send(org.eclipse.microprofile.reactive.messaging.Message.of(record.value())
                .addMetadata(metadata)
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    sent.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        return sent;
    }
}
