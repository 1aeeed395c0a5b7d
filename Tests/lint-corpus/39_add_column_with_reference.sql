-- expect: foreign-key-without-not-valid
-- phase: expand
-- Inline REFERENCES on a new column cannot be NOT VALID.
SET lock_timeout = '2s';
ALTER TABLE crm.samples ADD COLUMN order_id bigint REFERENCES crm.orders (id);
