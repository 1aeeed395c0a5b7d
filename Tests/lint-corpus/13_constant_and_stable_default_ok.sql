-- expect: none
-- phase: expand
-- Constant and stable defaults are stored once in the catalog (PostgreSQL 11+): no rewrite.
SET lock_timeout = '2s';
ALTER TABLE crm.customers ADD COLUMN is_key_account boolean NOT NULL DEFAULT false;
ALTER TABLE crm.customers ADD COLUMN imported_at timestamptz NOT NULL DEFAULT now();
