-- Disks' layouts as the latest scan read them, and the scan and resize jobs inventory sent to the workers with
-- each one's step history (from ballast.worker.progress.v1).
CREATE TABLE disk_layout (
    disk_id          text        PRIMARY KEY REFERENCES virtual_disk (id),
    table_type       text        NOT NULL CHECK (table_type IN ('MBR', 'GPT', 'NONE')),
    disk_bytes       bigint      NOT NULL CHECK (disk_bytes >= 0),
    alignment_status integer     NOT NULL,
    scanned_at       timestamptz NOT NULL
);

CREATE TABLE disk_partition (
    disk_id         text   NOT NULL REFERENCES disk_layout (disk_id) ON DELETE CASCADE,
    number          integer NOT NULL CHECK (number >= 1),
    start_bytes     bigint NOT NULL,
    size_bytes      bigint NOT NULL,
    type            text   NOT NULL,
    filesystem      text   NOT NULL,
    -- null when the filesystem cannot say / cannot be shrunk
    used_bytes      bigint,
    minimum_bytes   bigint,
    alignment_bytes bigint NOT NULL,
    PRIMARY KEY (disk_id, number)
);

CREATE TABLE job (
    id                      uuid        PRIMARY KEY,
    kind                    text        NOT NULL CHECK (kind IN ('SCAN', 'RESIZE')),
    vm_id                   text        NOT NULL REFERENCES vm (id),
    disk_id                 text        NOT NULL REFERENCES virtual_disk (id),
    state                   text        NOT NULL
        CHECK (state IN ('WAITING_FOR_SCAN', 'QUEUED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELLED')),
    -- a resize's request: targets or by profile, alignment, partitions left unaligned, dry run, sparsify, truncate
    request                 jsonb       NOT NULL DEFAULT '{}',
    -- the targets sent to the worker, and the bytes they save as planned
    targets                 jsonb,
    projected_savings_bytes bigint,
    -- the scan a resize waits for
    scan_job_id             uuid,
    -- for a resize a profile's schedule enqueued: the start of the maintenance window it was enqueued in
    scheduled_window        timestamptz,
    worker_host             text,
    image_before_bytes      bigint,
    image_after_bytes       bigint,
    backed_before_bytes     bigint,
    backed_after_bytes      bigint,
    failure                 text,
    rolled_back             boolean,
    created_at              timestamptz NOT NULL DEFAULT now(),
    started_at              timestamptz,
    finished_at             timestamptz
);
CREATE INDEX job_by_vm ON job (vm_id, created_at);
CREATE INDEX job_by_scan ON job (scan_job_id) WHERE scan_job_id IS NOT NULL;
-- a schedule's window enqueues each VM once
CREATE UNIQUE INDEX job_once_per_window ON job (vm_id, scheduled_window) WHERE scheduled_window IS NOT NULL;
-- never two resize jobs at once for one VM
CREATE UNIQUE INDEX job_one_resize_per_vm ON job (vm_id)
    WHERE kind = 'RESIZE' AND state IN ('WAITING_FOR_SCAN', 'QUEUED', 'RUNNING');

CREATE TABLE job_step (
    job_id      uuid        NOT NULL REFERENCES job (id),
    seq         bigserial,
    at          timestamptz NOT NULL,
    -- started, a step's name (lock, power-off, move ...), progress, finished, failed, cancelled
    step        text        NOT NULL,
    detail      text        NOT NULL DEFAULT '',
    bytes_done  bigint,
    bytes_total bigint,
    PRIMARY KEY (job_id, seq)
);
