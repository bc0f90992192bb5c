-- Budget changes seen on the bus, for a VM's history: each ballast size the reservation service set for a guest
-- filesystem (SetBallastSize on ballast.ballast.commands.v1: the disk's budget decided) and what the agent answered
-- (BallastApplied or BallastFailed on ballast.ballast.acks.v1). Kept as long as hourly usage
-- (ballast.inventory.usage.hourly-retention, 90 days). A command resent with the same generation, or an event
-- delivered again, is kept once: the first time it was seen.
CREATE TABLE budget_change (
    seq           bigserial   PRIMARY KEY,
    vm_id         text        NOT NULL,
    -- the inventory disk the guest's name for it matched (by serial); null while it matches none
    disk_id       text,
    -- the guest's name for the disk, as the command and the agent give it
    guest_disk    text        NOT NULL,
    mount_point   text        NOT NULL,
    generation    bigint      NOT NULL CHECK (generation >= 0),
    kind          text        NOT NULL CHECK (kind IN ('SET', 'APPLIED', 'FAILED')),
    -- SET: the ballast size set; APPLIED and FAILED: the size in place after the agent's answer
    ballast_bytes bigint      NOT NULL CHECK (ballast_bytes >= 0),
    -- FAILED: why (NO_SPACE, UNKNOWN_FILESYSTEM, IO_ERROR, NOT_OWNED, UNSPECIFIED)
    failure       text,
    -- the agent's words: a failure's detail, a recreated ballast, why its extents cannot be mapped
    detail        text        NOT NULL DEFAULT '',
    -- when it happened (the event's occurred-at)
    at            timestamptz NOT NULL,
    UNIQUE (vm_id, guest_disk, mount_point, generation, kind)
);
CREATE INDEX budget_change_by_vm ON budget_change (vm_id, at, seq);
CREATE INDEX budget_change_by_at ON budget_change (at);
