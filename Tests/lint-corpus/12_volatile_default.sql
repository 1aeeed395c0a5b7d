-- expect: volatile-default
-- phase: expand
-- A public id per customer, generated for every existing row: a full table rewrite.
SET lock_timeout = '2s';
ALTER TABLE crm.customers ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
