-- What guests use, from their agents' reports (ballast.guest.telemetry.v1): each filesystem's latest figures, every
-- report for a day, and an hourly summary for 90 days (retention: ballast.inventory.usage.*). A filesystem is known by
-- its VM and mount point; disk_id is the inventory disk the agent's name for its disk matched (by serial), null while
-- it matches none.
CREATE TABLE filesystem_usage (
    vm_id          text        NOT NULL,
    mount_point    text        NOT NULL,
    disk_id        text,
    -- the agent's name for the disk (its serial, a /dev/disk/by-id name, a loop device's backing file)
    guest_disk     text        NOT NULL,
    total_bytes    bigint      NOT NULL CHECK (total_bytes >= 0),
    utilized_bytes bigint      NOT NULL CHECK (utilized_bytes >= 0),
    free_bytes     bigint      NOT NULL CHECK (free_bytes >= 0),
    ballast_bytes  bigint      NOT NULL CHECK (ballast_bytes >= 0),
    reported_at    timestamptz NOT NULL,
    PRIMARY KEY (vm_id, mount_point)
);
CREATE INDEX filesystem_usage_by_disk ON filesystem_usage (disk_id);

-- Every report, kept for a day. A report delivered again has the same time and is kept once.
CREATE TABLE usage_sample (
    vm_id          text        NOT NULL,
    mount_point    text        NOT NULL,
    at             timestamptz NOT NULL,
    disk_id        text,
    total_bytes    bigint      NOT NULL,
    utilized_bytes bigint      NOT NULL,
    free_bytes     bigint      NOT NULL,
    ballast_bytes  bigint      NOT NULL,
    PRIMARY KEY (vm_id, mount_point, at)
);
CREATE INDEX usage_sample_by_at ON usage_sample (at);

-- One row per filesystem and hour, summed as reports arrive (no batch job folds them later).
CREATE TABLE usage_hourly (
    vm_id              text        NOT NULL,
    mount_point        text        NOT NULL,
    hour               timestamptz NOT NULL,
    disk_id            text,
    samples            integer     NOT NULL,
    utilized_sum_bytes numeric     NOT NULL,
    utilized_max_bytes bigint      NOT NULL,
    -- the hour's last report's figures
    total_bytes        bigint      NOT NULL,
    ballast_bytes      bigint      NOT NULL,
    last_at            timestamptz NOT NULL,
    PRIMARY KEY (vm_id, mount_point, hour)
);
CREATE INDEX usage_hourly_by_hour ON usage_hourly (hour);
