-- The outcome of every reclaim job this worker answered, by job id. A job id seen again (a redelivery, a
-- reservation-service resending a job it had no answer to) gets the same answer and punches nothing: the
-- reservation may have given the ranges back to the guest once it had the first answer.
CREATE TABLE reclaim_job (
    job_id      text        PRIMARY KEY,
    disk_id     text        NOT NULL,
    -- 'finished' or 'failed': which message the outcome bytes hold (JobFinished or JobFailed)
    kind        text        NOT NULL,
    outcome     bytea       NOT NULL,
    answered_at timestamptz NOT NULL DEFAULT now()
);
