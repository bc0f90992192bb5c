package io.ballast.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.ballast.proto.events.Topic;
import org.junit.jupiter.api.Test;

class SampleEventsTest {

    @Test
    void everyEventTypeIsPopulatedInEveryTopLevelField() {
        for (Topic topic : Topic.values()) {
            for (String type : topic.eventTypes()) {
                Message sample = SampleEvents.populated(topic.prototype(type).orElseThrow());
                for (FieldDescriptor field : sample.getDescriptorForType().getFields()) {
                    boolean set =
                            field.isRepeated() ? sample.getRepeatedFieldCount(field) == 2 : sample.hasField(field);
                    boolean inLaterOneofMember = field.getRealContainingOneof() != null
                            && field.getRealContainingOneof().getFields().get(0) != field;
                    assertThat(set).as("%s.%s", type, field.getName()).isEqualTo(!inLaterOneofMember);
                }
            }
        }
    }
}
