#!/usr/bin/env bash
# The opt-in Maven profile testcontainers (the tests' Kafka broker and PostgreSQL in containers on a Docker engine)
# compiles: test-support's containers' code against Testcontainers, with what it needs. It cannot run here, where
# there is no Docker engine (docs/development.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

JAVA_HOME=$(./ballast java-home)
export JAVA_HOME

./mvnw -B -q -Ptestcontainers -Dspotless.check.skip=true -pl test-support -am compile

for built in classes/io/ballast/testsupport/containers/DockerContainers.class \
  classes/META-INF/services/org.junit.jupiter.api.extension.Extension; do
  if [ ! -f "test-support/target/$built" ]; then
    echo "testcontainers: the profile built test-support without $built" >&2
    exit 1
  fi
done

# The default build that follows starts test-support afresh: nothing built for the profile stays in its classes.
rm -rf test-support/target
