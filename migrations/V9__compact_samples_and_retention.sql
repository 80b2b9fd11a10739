-- ingest/store: compact storage of samples and retention by dropping partitions.
--
-- Uploads still land in the narrow samples table (COPY, unique key for replays). Once an hour
-- has ended and been quiet, the sizing rollup moves its samples, in the same transaction as the
-- hour's rollup, into one row per (collector, metric, hour): timestamps as delta-of-delta
-- varints, values as varint deltas of their decimal mantissa (raw float8 bits when a value is
-- not a short decimal); see io.perfmetrics.ingest.SeriesCodec. About 3 bytes a sample instead
-- of about 97.
--
-- Partitioned by week so that retention drops whole partitions (PERFMETRICS_RETENTION_DAYS);
-- the appliance creates partitions as it needs them (io.perfmetrics.store.Partitions).
-- On TimescaleDB the samples hypertable keeps its own compression and the table stays empty.
CREATE TABLE samples_compact (
    collector_id    integer     NOT NULL,
    metric_id       smallint    NOT NULL,
    hour            timestamptz NOT NULL,
    n               integer     NOT NULL,
    data            bytea       NOT NULL,
    PRIMARY KEY (collector_id, metric_id, hour)
) PARTITION BY RANGE (hour);

-- The rollups become partitioned too (30-day partitions), for the same reason: their retention
-- (PERFMETRICS_ROLLUP_RETENTION_DAYS) drops partitions instead of deleting rows.
ALTER TABLE sizing_hourly RENAME TO sizing_hourly_v4;
ALTER TABLE sizing_hourly_v4 RENAME CONSTRAINT sizing_hourly_pkey TO sizing_hourly_v4_pkey;
CREATE TABLE sizing_hourly (
    collector_id    integer          NOT NULL,
    metric_id       smallint         NOT NULL,
    hour            timestamptz      NOT NULL,
    n               integer          NOT NULL,
    sum             double precision NOT NULL,
    max             double precision NOT NULL,
    hist            bytea            NOT NULL,
    PRIMARY KEY (collector_id, hour, metric_id)
) PARTITION BY RANGE (hour);

ALTER TABLE sizing_daily RENAME TO sizing_daily_v4;
ALTER TABLE sizing_daily_v4 RENAME CONSTRAINT sizing_daily_pkey TO sizing_daily_v4_pkey;
ALTER INDEX sizing_daily_day RENAME TO sizing_daily_v4_day;
CREATE TABLE sizing_daily (
    collector_id    integer          NOT NULL,
    metric_id       smallint         NOT NULL,
    day             date             NOT NULL,
    n               integer          NOT NULL,
    sum             double precision NOT NULL,
    max             double precision NOT NULL,
    hist            bytea            NOT NULL,
    PRIMARY KEY (collector_id, day, metric_id)
) PARTITION BY RANGE (day);
CREATE INDEX sizing_daily_day ON sizing_daily (day);

-- Partitions for the rollups already stored; names and bounds as io.perfmetrics.store.Partitions
-- makes them: <table>_p<n> holds [n * period, (n + 1) * period) in seconds since 1970.
DO $$
DECLARE
    p bigint;
BEGIN
    FOR p IN SELECT DISTINCT floor(extract(epoch FROM hour) / 2592000)::bigint FROM sizing_hourly_v4 LOOP
        EXECUTE format('CREATE TABLE sizing_hourly_p%s PARTITION OF sizing_hourly FOR VALUES FROM (%L) TO (%L)',
            p, to_timestamp(p * 2592000), to_timestamp((p + 1) * 2592000));
    END LOOP;
    FOR p IN SELECT DISTINCT floor((day - DATE '1970-01-01') / 30.0)::bigint FROM sizing_daily_v4 LOOP
        EXECUTE format('CREATE TABLE sizing_daily_p%s PARTITION OF sizing_daily FOR VALUES FROM (%L) TO (%L)',
            p, DATE '1970-01-01' + (p * 30)::int, DATE '1970-01-01' + ((p + 1) * 30)::int);
    END LOOP;
END
$$;
INSERT INTO sizing_hourly SELECT * FROM sizing_hourly_v4;
INSERT INTO sizing_daily SELECT * FROM sizing_daily_v4;
DROP TABLE sizing_hourly_v4;
DROP TABLE sizing_daily_v4;

-- Samples stored before this migration were rolled up already and their marks deleted: mark
-- their hours again so that the compactor moves them too (plain PostgreSQL only).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        INSERT INTO sizing_dirty (collector_id, hour)
        SELECT DISTINCT collector_id, to_timestamp(floor(extract(epoch FROM ts) / 3600) * 3600) FROM samples
        ON CONFLICT DO NOTHING;
    END IF;
END
$$;
