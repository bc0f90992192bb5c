-- A disk inventory describes before the datastore it is on: inventory keys each event by its own id, so the two may
-- come on different partitions in either order. The disk waits here until its datastore is described.
CREATE TABLE disk_waiting (
    disk_id      text        PRIMARY KEY,
    datastore_id text        NOT NULL,
    facts        jsonb       NOT NULL,
    since        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disk_waiting_by_datastore ON disk_waiting (datastore_id);
