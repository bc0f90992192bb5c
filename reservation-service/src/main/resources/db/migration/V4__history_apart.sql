-- A disk's usage history (a week of hourly points, most of its stored state) apart from the rest of its state: every
-- decision reads the state of each disk of its datastore, but only a usage report, or a forecast to estimate again,
-- reads a disk's history.
ALTER TABLE disk ADD COLUMN history jsonb NOT NULL DEFAULT '[]';
UPDATE disk SET history = COALESCE(state -> 'history', '[]'), state = state - 'history';
