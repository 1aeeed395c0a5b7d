-- expect: drop-not-null
-- phase: expand
-- Loosening the contract in expand: old readers assume a value.
SET lock_timeout = '2s';
ALTER TABLE crm.contacts ALTER COLUMN last_name DROP NOT NULL;
