-- expect: not-null-without-default
-- phase: expand
-- A mandatory VAT id on customers: fails on a table with rows, breaks old inserts.
SET lock_timeout = '2s';
ALTER TABLE crm.customers ADD COLUMN vat_id text NOT NULL;
