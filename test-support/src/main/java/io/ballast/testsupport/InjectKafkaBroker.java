package io.ballast.testsupport;

import io.ballast.local.KafkaBroker;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field of a Quarkus test that {@link KafkaResource} fills with its broker: a {@link Broker} (in process or in
 * a container), or the in-process {@link KafkaBroker} itself for a test that stops or restarts it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectKafkaBroker {}
