-- expect: none
-- phase: contract
-- transaction: none
-- Enforce NOT NULL without a long ACCESS EXCLUSIVE scan: a validated CHECK proves it first.
SET lock_timeout = '2s';
ALTER TABLE crm.customers ADD CONSTRAINT customers_city_not_null CHECK (city IS NOT NULL) NOT VALID;
ALTER TABLE crm.customers VALIDATE CONSTRAINT customers_city_not_null;
ALTER TABLE crm.customers ALTER COLUMN city SET NOT NULL;
ALTER TABLE crm.customers DROP CONSTRAINT customers_city_not_null;
