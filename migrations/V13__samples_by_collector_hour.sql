-- ingest: compact samples in one row per (collector, hour), every metric of the hour in it.
--
-- samples_compact (V9) holds one row per (collector, metric, hour): about 60 samples of a few
-- bytes each behind a row's own cost (tuple header, key columns, line pointer and primary-key
-- entry, about 80 bytes), which made some 1.3 bytes a sample on its own, a third of the total.
-- One row per collector and hour pays that once for all its metrics (16 from collector.sh), and
-- writes the timestamps that its metrics share once (io.perfmetrics.ingest.SeriesCodec#encodeHour).
--
-- Such a row is 1.5-3 kB, often above the ~2 kB at which PostgreSQL would move it out of line
-- into a TOAST table (with that table's own rows and index); STORAGE MAIN keeps it in the row
-- (only a row too large for a page still goes out of line). The compactor writes each hour once, so its
-- pages fill up and stay full.
--
-- Weekly partitions, made by the appliance and dropped by retention like samples_compact's.
CREATE TABLE samples_hour (
    collector_id    integer     NOT NULL,
    hour            timestamptz NOT NULL,
    n               integer     NOT NULL,
    data            bytea       NOT NULL,
    PRIMARY KEY (collector_id, hour)
) PARTITION BY RANGE (hour);
ALTER TABLE samples_hour ALTER COLUMN data SET STORAGE MAIN;

-- Rows of samples_compact stay readable where they are; marking their hours makes the compactor
-- rewrite them into samples_hour (and delete them there) in its first passes, as V9 did with the
-- landing table. Hours past retention are not rewritten; their partitions go with retention.
INSERT INTO sizing_dirty (collector_id, hour)
SELECT DISTINCT collector_id, hour FROM samples_compact
ON CONFLICT DO NOTHING;
