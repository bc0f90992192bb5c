-- The fleet as inventory records it: hosts, their datastores, VMs and virtual disks, and the libvirt connections
-- they are discovered through. Nothing discovered is ever deleted: what a host stops showing is marked gone
-- (gone_at), and comes back if it shows again. What is kept over REST (managed_by API) is never touched by
-- discovery, and what is discovered is never changed over REST except a datastore's reserve and a VM's profile.

-- The libvirt URIs inventory looks at: those of the configuration (ballast.inventory.libvirt-uris) and those added
-- over REST, with how the last look went.
CREATE TABLE libvirt_connection (
    uri              text        PRIMARY KEY,
    added_by         text        NOT NULL CHECK (added_by IN ('CONFIGURATION', 'API')),
    -- the host the URI showed at its last successful look
    host_id          text,
    last_attempt_at  timestamptz,
    last_success_at  timestamptz,
    -- why the last look failed; null once a look succeeds
    last_error       text,
    last_duration_ms bigint,
    -- a look in progress (by any instance) until then; a look that died leaves it to expire
    looking_until    timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE host (
    id         text        PRIMARY KEY,
    name       text        NOT NULL,
    -- the libvirt URI it is discovered through; empty for a host kept over REST
    uri        text        NOT NULL DEFAULT '',
    managed_by text        NOT NULL CHECK (managed_by IN ('LIBVIRT', 'API')),
    gone_at    timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE datastore (
    id              text        PRIMARY KEY,
    name            text        NOT NULL,
    -- a pool's directory, or its name when it has none
    location        text        NOT NULL,
    capacity_bytes  bigint      NOT NULL CHECK (capacity_bytes >= 0),
    allocated_bytes bigint      NOT NULL CHECK (allocated_bytes >= 0),
    available_bytes bigint      NOT NULL CHECK (available_bytes >= 0),
    -- headroom kept free: the reservation service's first policy for the datastore
    reserve_bytes   bigint      NOT NULL CHECK (reserve_bytes >= 0),
    -- allocated bytes that no virtual disk's image holds (ISOs, snapshots, logs)
    other_bytes     bigint      NOT NULL CHECK (other_bytes >= 0),
    managed_by      text        NOT NULL CHECK (managed_by IN ('LIBVIRT', 'API')),
    gone_at         timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Which hosts reach a datastore now (several for shared storage); a host that stops showing it leaves this table.
CREATE TABLE datastore_host (
    datastore_id text NOT NULL REFERENCES datastore (id),
    host_id      text NOT NULL REFERENCES host (id),
    PRIMARY KEY (datastore_id, host_id)
);
CREATE INDEX datastore_host_by_host ON datastore_host (host_id);

CREATE TABLE vm (
    id          text        PRIMARY KEY,
    name        text        NOT NULL,
    host_id     text        NOT NULL REFERENCES host (id),
    power_state text        NOT NULL CHECK (power_state IN ('RUNNING', 'PAUSED', 'SHUT_OFF')),
    -- its profile's name; empty for the default profile
    profile     text        NOT NULL DEFAULT '',
    gone_at     timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vm_by_host ON vm (host_id, id);
CREATE INDEX vm_by_profile ON vm (profile, id);

CREATE TABLE virtual_disk (
    id               text        PRIMARY KEY,
    vm_id            text        NOT NULL REFERENCES vm (id),
    -- the pool holding its image; null for an image in no pool (a device outside the pools, a network disk)
    datastore_id     text        REFERENCES datastore (id),
    image_path       text        NOT NULL,
    image_kind       text        NOT NULL CHECK (image_kind IN ('RAW', 'BLOCK_DEVICE', 'QCOW2', 'VMDK', 'OTHER')),
    designated_bytes bigint      NOT NULL CHECK (designated_bytes >= 0),
    backed_bytes     bigint      NOT NULL CHECK (backed_bytes >= 0),
    serial           text        NOT NULL,
    target_dev       text        NOT NULL,
    gone_at          timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX virtual_disk_by_vm ON virtual_disk (vm_id, id);
CREATE INDEX virtual_disk_by_datastore ON virtual_disk (datastore_id, id);
