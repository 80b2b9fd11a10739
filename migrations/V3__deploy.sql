-- deploy: SSH host keys pinned on first use, deployment jobs and their per-host results.

CREATE TABLE host_keys (
    address             text        NOT NULL,
    port                integer     NOT NULL,
    algorithm           text        NOT NULL,
    fingerprint         text        NOT NULL,   -- SHA256:base64, as ssh-keygen -l prints it
    pinned_at           timestamptz NOT NULL DEFAULT now(),
    -- a different key seen later; deploys are refused until an admin accepts it
    pending_fingerprint text,
    pending_seen_at     timestamptz,
    PRIMARY KEY (address, port)
);

CREATE TABLE deploy_jobs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('deploy', 'rescan', 'undeploy', 'status')),
    force           boolean     NOT NULL DEFAULT false,
    state           text        NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'cancelled')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

-- One row per host of a job: claimed with FOR UPDATE SKIP LOCKED, so several appliances can
-- work through one job without a coordinator.
CREATE TABLE deploy_results (
    job_id          bigint      NOT NULL REFERENCES deploy_jobs (id) ON DELETE CASCADE,
    target_id       bigint      NOT NULL REFERENCES targets (id) ON DELETE CASCADE,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'cancelled')),
    outcome         text,       -- started, restarted, already_running, stopped, removed, status, failed
    detail          text,
    started_at      timestamptz,
    finished_at     timestamptz,
    PRIMARY KEY (job_id, target_id)
);
CREATE INDEX deploy_results_pending ON deploy_results (job_id) WHERE state = 'pending';

-- The last thing we know of each target's collector, for status without a round trip.
CREATE TABLE target_status (
    target_id       bigint      PRIMARY KEY REFERENCES targets (id) ON DELETE CASCADE,
    state           text        NOT NULL CHECK (state IN ('running', 'stopped', 'expired', 'never_deployed', 'failed', 'removed')),
    detail          text,
    checked_at      timestamptz NOT NULL DEFAULT now()
);
