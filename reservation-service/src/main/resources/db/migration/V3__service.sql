-- What the service needs beside the engine's state: a datastore's spare room as of its last save (for migration
-- advice and placement without reading every datastore's disks), the name an agent gives each disk (what commands
-- must carry back to it), which disk each reclaim job was for (the worker's progress names only the job), and which
-- datastore keeps each growth and migration request (the REST and gRPC lookups by id).
ALTER TABLE datastore ADD COLUMN spare_bytes bigint NOT NULL DEFAULT 0;

-- The disk's name inside its guest (serial, /dev/disk/by-id name or a loop device's backing file), as its agent last
-- reported it; commands to the agent name the disk so.
ALTER TABLE disk ADD COLUMN guest_name text NOT NULL DEFAULT '';

CREATE TABLE reclaim_job (
    job_id    text        PRIMARY KEY,
    disk_id   text        NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE request (
    kind         text NOT NULL CHECK (kind IN ('growth', 'migration')),
    id           text NOT NULL,
    datastore_id text NOT NULL,
    PRIMARY KEY (kind, id, datastore_id)
);
