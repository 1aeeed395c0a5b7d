-- expect: lock-timeout-missing
-- phase: expand
-- A harmless nullable column, but the ALTER queues behind a long report and stalls all writes.
ALTER TABLE crm.customers ADD COLUMN website text;
ALTER TABLE crm.contacts ADD COLUMN mobile text;
