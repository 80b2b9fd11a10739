-- The CPU credit check (issue 13) reads the hourly mean CPU of every host in the window: one metric
-- of sizing_hourly, whose rows also carry each hour's histogram. By the primary key (collector,
-- hour, metric) that read scanned every metric's rows, histograms and all (2 million rows at 1,000
-- hosts x 14 days, for the 336,000 it needs). This index has the metric first and carries what
-- the check reads, so the read is an index-only scan of the CPU rows.
-- (V15 and V16 belong to other changes; V10 is deliberately unused.)
CREATE INDEX sizing_hourly_metric_hour ON sizing_hourly (metric_id, hour) INCLUDE (collector_id, n, sum);
