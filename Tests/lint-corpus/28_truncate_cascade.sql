-- expect: truncate-cascade
-- phase: migrate
-- Reset the staging copy; CASCADE also empties every table that references it.
SET lock_timeout = '2s';
TRUNCATE TABLE crm.territories CASCADE;
