-- When the worker was first granted the VM's lease for a job: from then on the job has begun and cannot be
-- cancelled, even after the lease was released (the job may have finished before its end was read) or passed on.
ALTER TABLE job ADD COLUMN leased_at timestamptz;

-- A disk's growth is its hourly usage over the last 30 days.
CREATE INDEX usage_hourly_by_disk ON usage_hourly (disk_id, hour) WHERE disk_id IS NOT NULL;
