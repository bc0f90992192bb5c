-- VM leases are the inventory service's now (gRPC AcquireVmLease and friends): the worker keeps only the
-- newest token it was granted for each VM, the fence its job record writes go through. A lease held in the
-- old table when this runs ends with it; a job left running is taken back under a lease from inventory.
DROP TABLE vm_lease;
DROP SEQUENCE lease_token;

CREATE TABLE vm_fence (
    vm_id     text PRIMARY KEY,
    -- only rises: a record write under an older token is refused
    token     bigint      NOT NULL,
    holder    text        NOT NULL,
    fenced_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON SCHEMA worker IS 'Ballast resize-worker: the lease fence per VM (leases are inventory''s), resize and reclaim job records';
