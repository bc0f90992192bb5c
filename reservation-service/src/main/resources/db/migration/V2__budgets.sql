-- The budget engine's state: one row per datastore (its policy, holds, growths, migrations and raised alerts, as
-- JSON) and one per disk (its ballasts, command and reclaims in flight, budget and usage history, as JSON). A
-- decision on a datastore locks its row (SELECT ... FOR UPDATE) for the whole transaction, so decisions on one
-- datastore never interleave, whichever instance makes them.
CREATE TABLE datastore (
    id         text        PRIMARY KEY,
    state      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE disk (
    id           text        PRIMARY KEY,
    datastore_id text        NOT NULL REFERENCES datastore (id),
    vm_id        text        NOT NULL,
    -- the serial the guest sees the disk by: how an agent's report is matched to the disk
    serial       text        NOT NULL DEFAULT '',
    state        jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX disk_by_datastore ON disk (datastore_id);
CREATE INDEX disk_by_vm ON disk (vm_id);
CREATE INDEX disk_by_serial ON disk (serial) WHERE serial <> '';

-- Every budget change, with its reason; rows are only ever added.
CREATE TABLE ledger (
    id           bigserial   PRIMARY KEY,
    datastore_id text        NOT NULL,
    disk_id      text        NOT NULL,
    before_bytes bigint      NOT NULL,
    after_bytes  bigint      NOT NULL,
    reason       text        NOT NULL,
    at           timestamptz NOT NULL
);
CREATE INDEX ledger_by_disk ON ledger (disk_id, id);
CREATE INDEX ledger_by_datastore ON ledger (datastore_id, id);

-- What inventory says of VMs (where each runs, its profile) and of profiles, for disks to come.
CREATE TABLE vm (
    id      text PRIMARY KEY,
    host_id text NOT NULL DEFAULT '',
    profile text NOT NULL DEFAULT ''
);

CREATE TABLE profile (
    name               text             PRIMARY KEY,
    min_free_ratio     double precision NOT NULL,
    desired_free_ratio double precision NOT NULL,
    priority           integer          NOT NULL
);
