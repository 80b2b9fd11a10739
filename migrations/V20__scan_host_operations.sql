-- How many operations-log entries the probe of an address left, counted once as the address
-- finishes (its entries are all written by then, by whichever appliance probed it). A scan's
-- operations are then the sum over its finished addresses and a live count of the few it is
-- probing (at most its concurrency), not a count of all its netops entries on every read: some
-- 600,000 for a /16, read every second by the scan's console page while it runs. NULL for an
-- address finished before this column; a scan with one counts its netops entries as before.
ALTER TABLE scan_hosts ADD COLUMN operations integer;
CREATE INDEX scan_hosts_running ON scan_hosts (scan_id) WHERE state = 'running';
