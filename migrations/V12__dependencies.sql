-- dependencies: the dependency map and move groups (issue 12). The map itself is computed from
-- connection_hours (V7) and cached; these tables hold only what the operator decides.

-- A host pinned to a named move group: hosts pinned to one name move together, and edges
-- between hosts pinned to different names never merge their groups.
CREATE TABLE dependency_pins (
    collector_id    integer     PRIMARY KEY REFERENCES collectors (id) ON DELETE CASCADE,
    group_name      text        NOT NULL CHECK (length(group_name) BETWEEN 1 AND 100),
    note            text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- An edge the operator says does not bind its hosts (e.g. a nightly copy): still shown in the
-- map, marked excluded, left out of grouping. NULL port or proto: every port or protocol
-- between the two hosts.
CREATE TABLE dependency_exclusions (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       integer     NOT NULL REFERENCES collectors (id) ON DELETE CASCADE,
    server_id       integer     NOT NULL REFERENCES collectors (id) ON DELETE CASCADE,
    port            integer     CHECK (port BETWEEN 0 AND 65535),
    proto           text        CHECK (proto IN ('tcp', 'udp')),
    note            text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (client_id, server_id, port, proto)
);

-- The operator's additions to the built-in infrastructure services: a server port, a server
-- address range, or a host (with a label such as "monitoring" or "backup"). Edges to them are
-- tagged and, by default, left out of grouping.
CREATE TABLE dependency_infrastructure (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('port', 'address', 'host')),
    port            integer     CHECK (port BETWEEN 0 AND 65535),
    proto           text        CHECK (proto IN ('tcp', 'udp')),
    address         cidr,
    collector_id    integer     REFERENCES collectors (id) ON DELETE CASCADE,
    label           text        NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'port') = (port IS NOT NULL)),
    CHECK ((kind = 'address') = (address IS NOT NULL)),
    CHECK ((kind = 'host') = (collector_id IS NOT NULL))
);
