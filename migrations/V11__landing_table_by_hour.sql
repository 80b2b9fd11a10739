-- ingest: the landing table holds only the hours not compacted yet, and gives their space back
-- whole once they are.
--
-- The compactor (V9, the sizing rollup) takes an hour's samples out of the landing table with
-- DELETE ... RETURNING; on one plain table that leaves dead rows and index entries that only
-- VACUUM can reuse, and the table never shrinks back. Partitioned by hour, an hour's partition is
-- dropped as soon as it is compacted and no mark for it is left (io.perfmetrics.ingest.LandingTable),
-- which gives its whole file back at once. Partitions are samples_p<n> for
-- [n * 3600, (n + 1) * 3600) seconds since 1970, made by the writer before its COPY.
--
-- On TimescaleDB the compact layout is used as well (it measured smaller than TimescaleDB's own
-- compression on our samples; docs/storage.md): the hypertable gets 1-hour chunks, dropped the
-- same way, and the samples stored before this migration are marked so the compactor moves them.
DO $$
DECLARE
    h bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM set_chunk_time_interval('samples', INTERVAL '1 hour');
        INSERT INTO sizing_dirty (collector_id, hour)
        SELECT DISTINCT collector_id, to_timestamp(floor(extract(epoch FROM ts) / 3600) * 3600) FROM samples
        ON CONFLICT DO NOTHING;
    ELSE
        ALTER TABLE samples RENAME TO samples_v1;
        ALTER INDEX samples_key RENAME TO samples_v1_key;
        ALTER INDEX samples_ts_brin RENAME TO samples_v1_ts_brin;
        CREATE TABLE samples (
            collector_id    integer          NOT NULL,
            metric_id       smallint         NOT NULL,
            ts              timestamptz      NOT NULL,
            value           double precision NOT NULL
        ) PARTITION BY RANGE (ts);
        CREATE UNIQUE INDEX samples_key ON samples (ts, collector_id, metric_id);
        CREATE INDEX samples_ts_brin ON samples USING brin (ts);
        FOR h IN SELECT DISTINCT floor(extract(epoch FROM ts) / 3600)::bigint FROM samples_v1 LOOP
            EXECUTE format('CREATE TABLE samples_p%s PARTITION OF samples FOR VALUES FROM (%L) TO (%L)',
                h, to_timestamp(h * 3600), to_timestamp((h + 1) * 3600));
        END LOOP;
        INSERT INTO samples SELECT * FROM samples_v1;
        DROP TABLE samples_v1;
    END IF;
END
$$;
