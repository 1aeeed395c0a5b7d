-- expect: rename-table
-- phase: contract
-- Rename after the move; still a warning in contract because old readers may remain.
SET lock_timeout = '2s';
ALTER TABLE crm.activities RENAME TO customer_activities;
