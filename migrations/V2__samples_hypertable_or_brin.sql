-- Samples become a TimescaleDB hypertable (compressed after 7 days, dropped after 400) where
-- the extension can be created; elsewhere they stay a plain table with a BRIN index on time.
-- One migration for both, so a database can move from one kind to the other with the same
-- history of migrations.
DO $$
DECLARE
    have_timescale boolean := false;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        have_timescale := true;
    ELSIF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        BEGIN
            CREATE EXTENSION timescaledb;
            have_timescale := true;
        EXCEPTION WHEN OTHERS THEN
            -- typically: not in shared_preload_libraries
            RAISE NOTICE 'timescaledb is installed but cannot be created (%); samples stay a plain table', SQLERRM;
        END;
    END IF;

    IF have_timescale THEN
        PERFORM create_hypertable('samples', by_range('ts', INTERVAL '1 day'), migrate_data => true);
        ALTER TABLE samples SET (
            timescaledb.compress,
            timescaledb.compress_segmentby = 'collector_id, metric_id',
            timescaledb.compress_orderby = 'ts');
        PERFORM add_compression_policy('samples', INTERVAL '7 days');
        PERFORM add_retention_policy('samples', INTERVAL '400 days');
    ELSE
        CREATE INDEX samples_ts_brin ON samples USING brin (ts);
    END IF;
END
$$;
