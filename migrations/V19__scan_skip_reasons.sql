-- Why a scan's addresses were skipped: the appliance's own addresses, and those in an excluded
-- range (the request's "exclude" and PERFMETRICS_SCAN_EXCLUDE). NULL for scans made before this
-- migration, whose total alone (scans.skipped) was kept.
ALTER TABLE scans
    ADD COLUMN skipped_own integer CHECK (skipped_own >= 0),
    ADD COLUMN skipped_excluded integer CHECK (skipped_excluded >= 0);
