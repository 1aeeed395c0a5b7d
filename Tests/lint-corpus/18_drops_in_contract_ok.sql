-- expect: none
-- phase: contract
-- guard: outside blackout
-- The same drops in the contract phase, after the guards hold.
SET lock_timeout = '2s';
ALTER TABLE crm.lead_protections DROP COLUMN reason;
ALTER TABLE crm.contacts ALTER COLUMN last_name DROP NOT NULL;
DROP TABLE IF EXISTS crm.legacy_notes;
