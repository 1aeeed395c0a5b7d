-- expect: none
-- phase: expand
-- transaction: none
-- The index is built concurrently first; the constraint only attaches it.
SET lock_timeout = '2s';
CREATE UNIQUE INDEX CONCURRENTLY customers_name_city_idx ON crm.customers (name, city);
ALTER TABLE crm.customers ADD CONSTRAINT customers_name_city_key UNIQUE USING INDEX customers_name_city_idx;
