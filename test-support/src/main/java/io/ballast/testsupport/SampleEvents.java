package io.ballast.testsupport;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import java.util.HashSet;
import java.util.Set;

/**
 * Messages with every field set to a value derived from its name and number, so that a round trip that drops or
 * mixes up a field shows in an equality check. In each oneof only the first member is set.
 */
public final class SampleEvents {

    private static final int MAX_DEPTH = 4;

    private SampleEvents() {}

    /** A fully populated instance of the message type of {@code prototype}. */
    @SuppressWarnings("unchecked")
    public static <T extends Message> T populated(T prototype) {
        return (T) fill(prototype.newBuilderForType(), prototype.getDescriptorForType(), 0);
    }

    private static Message fill(Message.Builder builder, Descriptor type, int depth) {
        if (type.getFullName().equals(Timestamp.getDescriptor().getFullName())) {
            return Timestamp.newBuilder()
                    .setSeconds(1_795_000_000L)
                    .setNanos(123_000_000)
                    .build();
        }
        Set<OneofDescriptor> oneofsSet = new HashSet<>();
        for (FieldDescriptor field : type.getFields()) {
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null && !oneofsSet.add(oneof)) {
                continue;
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth >= MAX_DEPTH) {
                continue;
            }
            if (field.isRepeated()) {
                builder.addRepeatedField(field, value(builder, field, 1, depth));
                builder.addRepeatedField(field, value(builder, field, 2, depth));
            } else {
                builder.setField(field, value(builder, field, 1, depth));
            }
        }
        return builder.build();
    }

    private static Object value(Message.Builder parent, FieldDescriptor field, int ordinal, int depth) {
        long number = field.getNumber() * 1000L + ordinal;
        return switch (field.getJavaType()) {
            case STRING -> field.getName() + "-" + ordinal;
            case INT -> (int) number;
            case LONG -> number << 20;
            case FLOAT -> number + 0.5f;
            case DOUBLE -> number / 1000.0;
            case BOOLEAN -> true;
            case BYTE_STRING -> com.google.protobuf.ByteString.copyFromUtf8(field.getName() + ordinal);
            case ENUM -> lastValue(field);
            case MESSAGE -> fill(parent.newBuilderForField(field), field.getMessageType(), depth + 1);
        };
    }

    private static EnumValueDescriptor lastValue(FieldDescriptor field) {
        var values = field.getEnumType().getValues();
        return values.get(values.size() - 1);
    }
}
