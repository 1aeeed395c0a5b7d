-- expect: lock-timeout-missing
-- phase: expand
-- Someone switched the timeout off "so that the migration does not fail".
SET lock_timeout = 0;
ALTER TABLE crm.customers ADD COLUMN website text;
