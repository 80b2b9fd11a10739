-- sizing: what the reports need, pre-aggregated so that a report's cost grows with hosts, not
-- with samples. Plain tables on PostgreSQL and on TimescaleDB alike (no continuous aggregates:
-- the plain-PostgreSQL path must work the same way).

-- Hours whose samples changed since they were last rolled up. The sample writer marks them in
-- the transaction that stores the samples, so a mark exists exactly when stored rows may be
-- newer than the rollup. seq changes on every re-mark: the rollup deletes a mark only if it is
-- still the one it read, so a mark set while an hour was being rolled up is never lost.
-- marked_at: the rollup waits until an ended hour has had no new samples for a while, so the
-- uploads that straggle in after the hour's end do not make it compute the hour again and again.
CREATE SEQUENCE sizing_dirty_seq;
CREATE TABLE sizing_dirty (
    collector_id    integer     NOT NULL,
    hour            timestamptz NOT NULL,
    seq             bigint      NOT NULL DEFAULT nextval('sizing_dirty_seq'),
    marked_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collector_id, hour)
);

-- Days whose hourly rollups changed and whose daily rollup must be merged again.
CREATE TABLE sizing_dirty_day (
    collector_id    integer     NOT NULL,
    day             date        NOT NULL,
    PRIMARY KEY (collector_id, day)
);

-- Per collector, metric and hour: count, sum, max and a fixed-bucket histogram (sparse,
-- varint-encoded; see io.perfmetrics.sizing.Histogram). Always recomputed from stored samples,
-- so a replay or a second rollup of the same hour cannot count anything twice.
CREATE TABLE sizing_hourly (
    collector_id    integer          NOT NULL,
    metric_id       smallint         NOT NULL,
    hour            timestamptz      NOT NULL,
    n               integer          NOT NULL,
    sum             double precision NOT NULL,
    max             double precision NOT NULL,
    hist            bytea            NOT NULL,
    PRIMARY KEY (collector_id, hour, metric_id)
);

-- The same per UTC day, merged from the day's hours: what the fleet report reads.
CREATE TABLE sizing_daily (
    collector_id    integer          NOT NULL,
    metric_id       smallint         NOT NULL,
    day             date             NOT NULL,
    n               integer          NOT NULL,
    sum             double precision NOT NULL,
    max             double precision NOT NULL,
    hist            bytea            NOT NULL,
    PRIMARY KEY (collector_id, day, metric_id)
);
CREATE INDEX sizing_daily_day ON sizing_daily (day);
