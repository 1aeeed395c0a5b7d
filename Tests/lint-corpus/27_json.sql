-- expect: prefer-jsonb
-- phase: expand
-- Free-form customer preferences as json instead of jsonb.
SET lock_timeout = '2s';
ALTER TABLE crm.customers ADD COLUMN preferences json;
