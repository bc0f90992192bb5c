-- The transactional outbox and the inbox of store-support (io.ballast.support.store), created in the schema of
-- the service that migrates (Flyway's default schema: inventory, reservation ...). Every service with a store
-- depends on store-support, and Flyway finds this file in its jar, so no service copies it.
--
-- Repeatable: Flyway runs it after the service's versioned migrations, and again whenever its text changes, so
-- every statement must be safe to run twice (IF NOT EXISTS; a later change adds ALTER ... IF NOT EXISTS lines
-- here rather than editing a CREATE).

-- Events waiting to be relayed to Kafka, in the order they were written (id). A row is written in the transaction
-- of the state change it announces and deleted once the broker acknowledged it.
CREATE TABLE IF NOT EXISTS ballast_outbox (
    id         bigserial   PRIMARY KEY,
    topic      text        NOT NULL,
    record_key text        NOT NULL,
    event_id   uuid        NOT NULL UNIQUE,
    event_type text        NOT NULL,
    -- The serialized envelope, encoded once when the row was written: a re-send carries the same event id.
    envelope   bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Events the broker refused for good (too large, invalid): moved out of the outbox so they do not hold up every
-- later event, with the broker's reason, for an operator to look at (and counted in ballast_outbox_parked_total).
CREATE TABLE IF NOT EXISTS ballast_outbox_parked (
    id         bigint      PRIMARY KEY,
    topic      text        NOT NULL,
    record_key text        NOT NULL,
    event_id   uuid        NOT NULL,
    event_type text        NOT NULL,
    envelope   bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    parked_at  timestamptz NOT NULL DEFAULT now(),
    reason     text        NOT NULL
);

-- Event ids each consumer of this service has handled, so an event delivered again is handled once.
CREATE TABLE IF NOT EXISTS ballast_inbox (
    consumer    text        NOT NULL,
    event_id    uuid        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS ballast_inbox_received_at ON ballast_inbox (received_at);
