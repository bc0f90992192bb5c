-- The worker schema belongs to resize-worker alone; no other service reads or writes it.
COMMENT ON SCHEMA worker IS 'Ballast resize-worker: leases on VMs (until inventory keeps them), resize job records';

-- Leases on VMs: one holder at a time, until it releases or the lease expires. Every acquisition gets
-- a new fencing token; a write made under a lease names its token and is refused once a newer one exists.
CREATE SEQUENCE lease_token;

CREATE TABLE vm_lease (
    vm_id      text PRIMARY KEY,
    holder     text        NOT NULL,
    token      bigint      NOT NULL,
    expires_at timestamptz NOT NULL
);

-- Each resize job this worker took, and where it stands: a worker that restarts finds its unfinished
-- jobs here, and a VM left powered off has a row saying why.
CREATE TABLE resize_job (
    job_id        text PRIMARY KEY,
    host_id       text        NOT NULL,
    vm_id         text        NOT NULL,
    disk_id       text        NOT NULL,
    domain        text        NOT NULL,
    image_path    text        NOT NULL,
    job_image     text        NOT NULL,
    options       text        NOT NULL,
    -- RUNNING, FINISHED or FAILED
    state         text        NOT NULL,
    step          text        NOT NULL,
    was_running   boolean     NOT NULL DEFAULT false,
    powered_off   boolean     NOT NULL DEFAULT false,
    detail        text        NOT NULL DEFAULT '',
    lease_token   bigint      NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX resize_job_unfinished ON resize_job (host_id) WHERE state = 'RUNNING';
