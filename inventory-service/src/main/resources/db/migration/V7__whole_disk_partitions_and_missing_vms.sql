-- A disk with no partition table holds one filesystem from its first byte: a scan reports it as partition 0.
ALTER TABLE disk_partition DROP CONSTRAINT disk_partition_number_check;
ALTER TABLE disk_partition ADD CONSTRAINT disk_partition_number_check CHECK (number >= 0);

-- A running VM its host stops showing is first only missing (a migration's source may be looked at before its
-- target): it is marked gone when the next look at that host still misses it, unless another host showed it
-- running meanwhile.
ALTER TABLE vm ADD COLUMN missing_since timestamptz;
