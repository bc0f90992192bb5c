-- Profiles: a VM category's free-space rules, its rank for spare space, its alignment rules and when its VMs are
-- right-sized. A VM names its profile in vm.profile (empty: the built-in default, which has no row).
CREATE TABLE profile (
    name                text             PRIMARY KEY,
    min_free_ratio      double precision NOT NULL CHECK (min_free_ratio BETWEEN 0 AND 0.95),
    desired_free_ratio  double precision NOT NULL CHECK (desired_free_ratio BETWEEN min_free_ratio AND 0.95),
    priority            integer          NOT NULL CHECK (priority BETWEEN 0 AND 100),
    growth_horizon_days integer          NOT NULL CHECK (growth_horizon_days >= 0),
    alignment           text             NOT NULL CHECK (alignment IN ('NONE', 'KIB_64', 'MIB_1', 'CYLINDER')),
    no_align            integer[]        NOT NULL DEFAULT '{}',
    -- Unix cron, UTC; null for no schedule, then window_seconds is null too
    schedule            text,
    window_seconds      bigint           CHECK (window_seconds > 0),
    updated_at          timestamptz      NOT NULL DEFAULT now(),
    CHECK ((schedule IS NULL) = (window_seconds IS NULL))
);
