-- expect: column-type-change
-- phase: migrate
-- Item counts grew beyond int; widen in place (rewrites table and indexes).
SET lock_timeout = '2s';
ALTER TABLE crm.orders ALTER COLUMN item_count TYPE bigint;
