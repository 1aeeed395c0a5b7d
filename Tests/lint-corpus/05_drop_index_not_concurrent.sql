-- expect: drop-index-not-concurrent
-- phase: contract
-- Removes an index nobody uses any more, but locks the table while doing so.
SET lock_timeout = '2s';
DROP INDEX IF EXISTS crm.samples_contact_id_idx;
