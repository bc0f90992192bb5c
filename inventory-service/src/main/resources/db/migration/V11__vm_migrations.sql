-- Migrations libvirt's qemu hook tells inventory of (deploy/libvirt/qemu): the newest one of each VM. The destination's
-- hook prepares it (reservation-service holds space on the target datastores under migration_id); the source's hook,
-- which knows only the VM, commits it by this row, the destination's aborts it on a failure, and the reconciler ends
-- one no hook ended: committed once discovery sees the VM on the target, aborted once its holds expired.
CREATE TABLE inventory.vm_migration (
    vm_id        text PRIMARY KEY,
    migration_id text NOT NULL UNIQUE,
    from_host_id text NOT NULL,
    to_host_id   text NOT NULL,
    -- OPEN: asked of reservation-service, not ended yet; then COMMITTED or ABORTED (refused, failed, expired)
    state        text NOT NULL CHECK (state IN ('OPEN', 'COMMITTED', 'ABORTED')),
    -- the disks that move to another datastore: a line "disk id>datastore id" each
    disks        text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    detail       text NOT NULL DEFAULT ''
);

CREATE INDEX vm_migration_open ON inventory.vm_migration (expires_at) WHERE state = 'OPEN';
