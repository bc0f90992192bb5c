-- The inventory schema belongs to inventory-service alone; no other service reads or writes it.
COMMENT ON SCHEMA inventory IS 'Ballast inventory-service: hosts, datastores, VMs, virtual disks, jobs, profiles, VM leases';
