-- Core tables of the appliance. Each block belongs to one feature package.

-- targets: hosts the appliance deploys collectors to (the deploy issues fill in the rest).
CREATE TABLE credentials (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text        NOT NULL UNIQUE,
    kind                text        NOT NULL CHECK (kind IN ('ssh_password', 'ssh_key', 'smb_password')),
    username            text        NOT NULL,
    -- AES-GCM under the master key, which is never stored in the database
    secret_ciphertext   bytea       NOT NULL,
    passphrase_ciphertext bytea,
    use_sudo            boolean     NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE targets (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address         text        NOT NULL,
    port            integer     CHECK (port BETWEEN 1 AND 65535),
    os_family       text        NOT NULL DEFAULT 'unknown' CHECK (os_family IN ('unix', 'windows', 'unknown')),
    credential_id   bigint      REFERENCES credentials (id) ON DELETE SET NULL,
    source          text        NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'discovery')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (address, port)
);

-- ingest: one row per collector installation; a rescan renews its token and TTL in place,
-- so a host keeps one history.
CREATE TABLE collectors (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id       bigint      REFERENCES targets (id) ON DELETE SET NULL,
    label           text,
    kind            text        NOT NULL DEFAULT 'manual' CHECK (kind IN ('manual', 'sh', 'vbs')),
    -- SHA-256 of the token's secret part; the token itself is shown once and never stored
    token_hash      bytea       NOT NULL,
    status          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    deployed_at     timestamptz,
    expires_at      timestamptz NOT NULL,
    last_seen_at    timestamptz,
    retired_at      timestamptz
);
CREATE INDEX collectors_target ON collectors (target_id);

-- ingest: what the collector's hello said about its host, latest first-class fields extracted.
CREATE TABLE host_inventory (
    collector_id    integer     PRIMARY KEY REFERENCES collectors (id) ON DELETE CASCADE,
    hostname        text        NOT NULL,
    os_family       text,
    os_name         text,
    os_version      text,
    cpu_model       text,
    cpu_count       integer,
    memory_bytes    bigint,
    cloud_provider  text,
    instance_type   text,
    region          text,
    unavailable_metrics text[]  NOT NULL DEFAULT '{}',
    inventory       jsonb       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);

-- ingest: metric names, interned so that a sample row stays narrow.
CREATE TABLE metrics (
    id              smallint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_.]{0,63}$')
);

-- ingest: the time series. No foreign keys: the receiver has authenticated the collector
-- already and a per-row check would halve COPY throughput. The unique key makes replays
-- harmless; time leads it so that inserts land at the right edge of the index.
CREATE TABLE samples (
    collector_id    integer          NOT NULL,
    metric_id       smallint         NOT NULL,
    ts              timestamptz      NOT NULL,
    value           double precision NOT NULL
);
CREATE UNIQUE INDEX samples_key ON samples (ts, collector_id, metric_id);

-- web: API tokens for the admin API (hashes only).
CREATE TABLE admin_tokens (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text        NOT NULL UNIQUE,
    token_hash      bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
