-- connection_keys: the dependency map's connection keys, each once, with an integer id; connection_days
-- then holds (day, key_id) instead of the nine key columns (issue 12). A cold map of 5,000 hosts x 14
-- days aggregates ~1.2 million day rows per key: on an integer that is a small hash table over
-- narrow rows, where the nine text and inet columns made it a wide one that spilled.
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
    -- the last UTC day the key was seen: retention drops a key once its days are gone
    last_day     date        NOT NULL,
    UNIQUE (collector_id, direction, proto, local_addr, local_port, remote_addr, remote_port, username,
            process)
);

-- No foreign key to connection_keys: a cascade would scan connection_days once per deleted key.
-- Rows of a key that is gone (its collector deleted) are skipped by the map's join and leave
-- with their day.
CREATE TABLE connection_days_by_key (
    day             date        NOT NULL,
    key_id          integer     NOT NULL,
    -- bit h set: the key was seen in UTC hour h of the day
    hours           integer     NOT NULL CHECK (hours > 0 AND hours < (1 << 24)),
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    max_connections integer     NOT NULL,
    PRIMARY KEY (day, key_id)
);

INSERT INTO connection_keys (collector_id, direction, proto, local_addr, local_port, remote_addr,
                             remote_port, username, process, last_day)
SELECT collector_id, direction, proto, local_addr, local_port, remote_addr, remote_port, username,
       process, max(day)
FROM connection_days
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

INSERT INTO connection_days_by_key
SELECT d.day, k.id, d.hours, d.first_seen, d.last_seen, d.max_connections
FROM connection_days d
JOIN connection_keys k USING (collector_id, direction, proto, local_addr, local_port, remote_addr,
                              remote_port, username, process);

DROP TABLE connection_days;
ALTER TABLE connection_days_by_key RENAME TO connection_days;
ALTER TABLE connection_days RENAME CONSTRAINT connection_days_by_key_pkey TO connection_days_pkey;
