-- network: socket snapshots (issue 11). What each host listens on and talks to, kept as hourly
-- aggregates rather than raw snapshots: a host with 20 listeners and 200 connection rows every
-- 5 min would otherwise add 63,000 rows a day; hourly rows with first/last seen and a count of
-- snapshots keep what the port audit and the dependency map need at a twelfth of that.
-- The receiver COPYs the rows of new snapshots into socket_rows (cheap: no index, no update);
-- a rollup moves the rows of ended hours into the hourly tables and the listener summary, each
-- key inserted or updated once per hour instead of once per snapshot.

-- One row per snapshot received: the replay key (a snapshot already here is skipped whole).
CREATE TABLE socket_snapshots (
    collector_id    integer     NOT NULL REFERENCES collectors (id) ON DELETE CASCADE,
    ts              timestamptz NOT NULL,
    source          text        NOT NULL CHECK (source IN ('proc', 'cim', 'netstat')),
    listener_rows   integer     NOT NULL,
    connection_rows integer     NOT NULL,
    -- rows the collector's per-snapshot cap left out
    dropped_rows    integer     NOT NULL,
    PRIMARY KEY (collector_id, ts)
);

-- Rows of snapshots not rolled up yet (the current hour, and late uploads): kind 'l' listen,
-- 'c' conn (with direction, remote end and count). Readers add them to the hourly tables.
CREATE TABLE socket_rows (
    collector_id    integer     NOT NULL,
    ts              timestamptz NOT NULL,
    kind            "char"      NOT NULL,
    direction       text,
    proto           text        NOT NULL,
    local_addr      inet        NOT NULL,
    local_port      integer     NOT NULL,
    remote_addr     inet,
    remote_port     integer,
    username        text        NOT NULL,
    process         text        NOT NULL,
    service         text        NOT NULL,
    connections     integer
);

-- Listening TCP and bound UDP sockets per host and hour. Text fields are '' when unknown, so
-- they can be part of the key.
CREATE TABLE listener_hours (
    collector_id    integer     NOT NULL REFERENCES collectors (id) ON DELETE CASCADE,
    hour            timestamptz NOT NULL,
    proto           text        NOT NULL CHECK (proto IN ('tcp', 'udp')),
    local_addr      inet        NOT NULL,
    local_port      integer     NOT NULL CHECK (local_port BETWEEN 0 AND 65535),
    username        text        NOT NULL,
    process         text        NOT NULL,
    service         text        NOT NULL,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    snapshots       integer     NOT NULL,
    PRIMARY KEY (collector_id, hour, proto, local_addr, local_port, username, process, service)
);

-- Established TCP connections per host and hour, aggregated as the collector sends them:
-- 'in' rows carry the host's service port in local_port and 0 as remote_port, 'out' rows 0 as
-- local_port and the server's port as remote_port. The dependency map (issue 12) resolves
-- remote_addr to known hosts (index below), pairs an 'out' row of a client with the 'in' row of
-- the server (same port, addresses crossed) to name the processes on both ends, and counts the
-- hours a pair was observed.
CREATE TABLE connection_hours (
    collector_id    integer     NOT NULL REFERENCES collectors (id) ON DELETE CASCADE,
    hour            timestamptz NOT NULL,
    direction       text        NOT NULL CHECK (direction IN ('in', 'out')),
    proto           text        NOT NULL CHECK (proto IN ('tcp', 'udp')),
    local_addr      inet        NOT NULL,
    local_port      integer     NOT NULL CHECK (local_port BETWEEN 0 AND 65535),
    remote_addr     inet        NOT NULL,
    remote_port     integer     NOT NULL CHECK (remote_port BETWEEN 0 AND 65535),
    username        text        NOT NULL,
    process         text        NOT NULL,
    service         text        NOT NULL,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    snapshots       integer     NOT NULL,
    -- connections summed over the hour's snapshots, and the most seen at once
    connections     bigint      NOT NULL,
    max_connections integer     NOT NULL,
    PRIMARY KEY (collector_id, hour, direction, proto, local_addr, local_port, remote_addr, remote_port,
                 username, process, service)
);
CREATE INDEX connection_hours_remote ON connection_hours (remote_addr, hour);

-- The port audit's source: one row per listener and host over all time, kept up to date in the
-- same transaction as the hourly rows, so the fleet audit reads ~20 rows per host instead of
-- scanning hours.
CREATE TABLE listeners (
    collector_id    integer     NOT NULL REFERENCES collectors (id) ON DELETE CASCADE,
    proto           text        NOT NULL,
    local_addr      inet        NOT NULL,
    local_port      integer     NOT NULL,
    username        text        NOT NULL,
    process         text        NOT NULL,
    service         text        NOT NULL,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    snapshots       bigint      NOT NULL,
    PRIMARY KEY (collector_id, proto, local_addr, local_port, username, process, service)
);

-- Per host: when its socket snapshots began (the baseline day) and the latest one (a listener
-- last seen then is open now).
CREATE TABLE socket_hosts (
    collector_id    integer     PRIMARY KEY REFERENCES collectors (id) ON DELETE CASCADE,
    first_snapshot  timestamptz NOT NULL,
    last_snapshot   timestamptz NOT NULL,
    snapshots       bigint      NOT NULL
);

-- The operator's port policy: ordered rules, the first that matches a listener decides.
-- NULL in a match column matches anything.
CREATE TABLE port_policy_rules (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    position        integer     NOT NULL,
    action          text        NOT NULL CHECK (action IN ('allow', 'deny')),
    proto           text        CHECK (proto IN ('tcp', 'udp')),
    port_from       integer     CHECK (port_from BETWEEN 0 AND 65535),
    port_to         integer     CHECK (port_to BETWEEN 0 AND 65535),
    process         text,
    host            text,
    os_family       text        CHECK (os_family IN ('unix', 'windows')),
    severity        text        NOT NULL DEFAULT 'high' CHECK (severity IN ('high', 'medium', 'low')),
    note            text        NOT NULL DEFAULT '',
    CHECK ((port_from IS NULL) = (port_to IS NULL) AND (port_from IS NULL OR port_from <= port_to))
);
CREATE INDEX port_policy_rules_position ON port_policy_rules (position, id);

-- The built-in default policy (docs/ports.md): clear-text remote shells are never acceptable.
INSERT INTO port_policy_rules (position, action, proto, port_from, port_to, severity, note) VALUES
    (10, 'deny', 'tcp', 512, 514, 'high', 'rexec/rlogin/rsh send passwords in clear text'),
    (20, 'deny', 'udp', 69, 69, 'medium', 'TFTP has no authentication'),
    (30, 'deny', 'tcp', 23, 23, 'high', 'telnet sends passwords in clear text');

-- Hypertables with the samples' retention where TimescaleDB is there (see V2); BRIN on time
-- elsewhere.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('socket_snapshots', by_range('ts', INTERVAL '7 days'), migrate_data => true);
        PERFORM create_hypertable('listener_hours', by_range('hour', INTERVAL '7 days'), migrate_data => true);
        PERFORM create_hypertable('connection_hours', by_range('hour', INTERVAL '1 day'), migrate_data => true);
        PERFORM add_retention_policy('socket_snapshots', INTERVAL '400 days');
        PERFORM add_retention_policy('listener_hours', INTERVAL '400 days');
        PERFORM add_retention_policy('connection_hours', INTERVAL '400 days');
    ELSE
        CREATE INDEX socket_snapshots_ts_brin ON socket_snapshots USING brin (ts);
        CREATE INDEX listener_hours_hour_brin ON listener_hours USING brin (hour);
        CREATE INDEX connection_hours_hour_brin ON connection_hours USING brin (hour);
    END IF;
END
$$;
