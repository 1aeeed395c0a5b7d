-- expect: unique-without-index
-- phase: expand
-- One customer per name and city, enforced by a constraint that builds its index under lock.
SET lock_timeout = '2s';
ALTER TABLE crm.customers ADD CONSTRAINT customers_name_city_key UNIQUE (name, city);
