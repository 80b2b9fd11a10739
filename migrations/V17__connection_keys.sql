-- connection_keys and connection_weeks: the dependency map's summary on integer keys (issue 12).
-- connection_days (V14) carried the nine key columns on every row, one row per key and UTC day: a
-- cold 14-day map of 5,000 hosts summed ~1.2 million wide rows. Now each key is stored once with an
-- integer id, and its hours are one row per key and UTC week (Monday first) with the week's 168
-- hours as a bit string: a 14-day window is three rows per key, summed per integer.
-- (V15 and V16 belong to other changes; V10 is deliberately unused.)
CREATE TABLE connection_keys (
    id           integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collector_id integer     NOT NULL REFERENCES collectors (id) ON DELETE CASCADE,
    direction    text        NOT NULL CHECK (direction IN ('in', 'out')),
    proto        text        NOT NULL CHECK (proto IN ('tcp', 'udp')),
    local_addr   inet        NOT NULL,
    local_port   integer     NOT NULL,
    remote_addr  inet        NOT NULL,
    remote_port  integer     NOT NULL,
    username     text        NOT NULL,
    process      text        NOT NULL,
    -- the last UTC day the key was seen: retention drops a key once its weeks are gone
    last_day     date        NOT NULL,
    UNIQUE (collector_id, direction, proto, local_addr, local_port, remote_addr, remote_port, username,
            process)
);

-- No foreign key to connection_keys: a cascade would scan connection_weeks once per deleted key.
-- Rows of a key that is gone (its collector deleted) are skipped by the map's join and leave
-- with their week.
CREATE TABLE connection_weeks (
    -- the Monday (UTC) the week starts on
    week            date        NOT NULL CHECK (extract(isodow FROM week) = 1),
    key_id          integer     NOT NULL,
    -- hour i of the week (0 = Monday 00:00 UTC) is the i-th bit from the right
    hours           bit(168)    NOT NULL CHECK (hours <> B'0'::bit(168)),
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    max_connections integer     NOT NULL,
    PRIMARY KEY (week, key_id)
);

INSERT INTO connection_keys (collector_id, direction, proto, local_addr, local_port, remote_addr,
                             remote_port, username, process, last_day)
SELECT collector_id, direction, proto, local_addr, local_port, remote_addr, remote_port, username,
       process, max(day)
FROM connection_days
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

-- a day's 24-bit mask (bit h = hour h) placed at its day of the week
INSERT INTO connection_weeks
SELECT date_trunc('week', d.day)::date, k.id,
       bit_or((repeat('0', 144) || d.hours::bit(24)::text)::bit(168) << ((extract(isodow FROM d.day)::int - 1) * 24)),
       min(d.first_seen), max(d.last_seen), max(d.max_connections)
FROM connection_days d
JOIN connection_keys k USING (collector_id, direction, proto, local_addr, local_port, remote_addr,
                              remote_port, username, process)
GROUP BY 1, 2;

DROP TABLE connection_days;
