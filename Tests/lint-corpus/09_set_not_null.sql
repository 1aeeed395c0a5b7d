-- expect: set-not-null
-- phase: contract
-- Every customer has a city now; enforce it the direct way.
SET lock_timeout = '2s';
ALTER TABLE crm.customers ALTER COLUMN city SET NOT NULL;
