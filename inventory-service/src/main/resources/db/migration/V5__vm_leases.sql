-- VM leases: whoever holds a VM's lease (a worker right-sizing its disks) may change its disks, until it releases
-- the lease or the lease expires. Each grant takes a fencing token from one sequence, so a VM's tokens only ever
-- grow; a write made under a lease names its token and is refused once a newer one was granted. Times are the
-- database's clock, the same for every instance.
CREATE SEQUENCE vm_lease_token;

CREATE TABLE vm_lease (
    vm_id       text        PRIMARY KEY REFERENCES vm (id),
    holder      text        NOT NULL,
    token       bigint      NOT NULL,
    expires_at  timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now()
);
