-- expect: volatile-default, prefer-identity
-- phase: expand
-- A surrogate key added to an existing table: every row needs a value, so the table is rewritten.
SET lock_timeout = '2s';
ALTER TABLE crm.user_territories ADD COLUMN id bigserial;
