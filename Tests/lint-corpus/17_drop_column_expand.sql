-- expect: drop-column
-- phase: expand
-- Cleans up a column in the wrong phase: application versions still read it.
SET lock_timeout = '2s';
ALTER TABLE crm.customers DROP COLUMN IF EXISTS street;
