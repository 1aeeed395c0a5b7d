-- expect: drop-column, drop-table
-- phase: migrate
-- Contract clean-up written on one line: three statements, two destructive, in the migrate phase.
SET lock_timeout = '2s'; ALTER TABLE crm.contacts DROP COLUMN phone; DROP TABLE crm.lead_protections;
