-- preflight: a job kind that checks hosts without changing anything on them, and each host's
-- list of checks (name, result pass/warn/fail/skip, detail, fix).

ALTER TABLE deploy_jobs DROP CONSTRAINT deploy_jobs_kind_check;
ALTER TABLE deploy_jobs ADD CONSTRAINT deploy_jobs_kind_check
    CHECK (kind IN ('deploy', 'rescan', 'undeploy', 'status', 'check'));

ALTER TABLE deploy_results ADD COLUMN checks jsonb;
