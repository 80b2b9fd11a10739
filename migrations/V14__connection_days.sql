-- connection_days: the dependency map's summary (issue 12). One row per connection key and UTC
-- day, its hours as a 24-bit mask, kept by the socket rollup in the same statement that writes
-- connection_hours. The map reads these (a key that is up all day is one row, not 24) instead of
-- every hourly row: a cold map of 14 days then reads ~1/20 of the rows.
-- (V13 belongs to the compact samples' hour rows; V10 is deliberately unused.)
CREATE TABLE connection_days (
    day             date        NOT NULL,
    collector_id    integer     NOT NULL REFERENCES collectors (id) ON DELETE CASCADE,
    direction       text        NOT NULL CHECK (direction IN ('in', 'out')),
    proto           text        NOT NULL CHECK (proto IN ('tcp', 'udp')),
    local_addr      inet        NOT NULL,
    local_port      integer     NOT NULL,
    remote_addr     inet        NOT NULL,
    remote_port     integer     NOT NULL,
    username        text        NOT NULL,
    process         text        NOT NULL,
    -- bit h set: the key was seen in UTC hour h of the day
    hours           integer     NOT NULL CHECK (hours > 0 AND hours < (1 << 24)),
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    max_connections integer     NOT NULL,
    -- day first: the map reads a window of days, retention drops the oldest
    PRIMARY KEY (day, collector_id, direction, proto, local_addr, local_port, remote_addr, remote_port,
                 username, process)
);

-- what the rollup has already moved into connection_hours
INSERT INTO connection_days
SELECT (hour AT TIME ZONE 'UTC')::date, collector_id, direction, proto, local_addr, local_port,
       remote_addr, remote_port, username, process,
       bit_or(1 << extract(hour FROM hour AT TIME ZONE 'UTC')::int),
       min(first_seen), max(last_seen), max(max_connections)
FROM connection_hours
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
