-- discovery: scans, their per-address jobs, what was found, and the network operations log.

-- Discovered hosts become targets (source 'discovery') that an admin accepts before deploy.
-- Targets entered by hand are accepted as they are.
ALTER TABLE targets ADD COLUMN accepted boolean NOT NULL DEFAULT true;
ALTER TABLE targets ADD COLUMN hostname text;
ALTER TABLE targets ADD COLUMN os_hints jsonb;
ALTER TABLE targets ADD COLUMN discovered_at timestamptz;

CREATE TABLE scans (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status          text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'cancelled')),
    spec            jsonb       NOT NULL,
    total           integer     NOT NULL,
    skipped         integer     NOT NULL DEFAULT 0,
    -- the least time the pacing allows for this scan, computed at start
    pacing_bound_ms bigint      NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    cancelled_at    timestamptz
);

-- one job per address; appliances sharing the database claim them with FOR UPDATE SKIP LOCKED
CREATE TABLE scan_hosts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scan_id         bigint      NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    address         text        NOT NULL,
    name            text,
    state           text        NOT NULL DEFAULT 'pending'
                                -- found: a probed port is open (becomes a target); alive: answered (echo reply or RST)
                                -- but nothing open; silent: no answer at all
                                CHECK (state IN ('pending', 'running', 'found', 'alive', 'silent', 'failed', 'cancelled')),
    claimed_by      text,
    claimed_at      timestamptz,
    hostname        text,
    os_family       text,
    open_ports      integer[]   NOT NULL DEFAULT '{}',
    hints           jsonb       NOT NULL DEFAULT '[]',
    detail          text,
    finished_at     timestamptz,
    UNIQUE (scan_id, address)
);
CREATE INDEX scan_hosts_pending ON scan_hosts (scan_id, id) WHERE state = 'pending';

-- every ping, probe, DNS lookup, connection and metadata request the appliance makes
CREATE TABLE netops (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts              timestamptz NOT NULL,
    destination     text        NOT NULL,
    port            integer,
    protocol        text        NOT NULL,
    purpose         text        NOT NULL,
    result          text        NOT NULL,
    detail          text,
    scan_id         bigint,
    source          text        NOT NULL DEFAULT 'discovery'
);
CREATE INDEX netops_ts ON netops (ts);
CREATE INDEX netops_destination ON netops (destination, ts);
CREATE INDEX netops_scan ON netops (scan_id, ts) WHERE scan_id IS NOT NULL;
