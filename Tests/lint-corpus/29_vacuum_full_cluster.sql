-- expect: vacuum-full, cluster
-- phase: migrate
-- transaction: none
-- Reclaim space after a big backfill, the blocking way.
SET lock_timeout = '2s';
VACUUM (FULL, ANALYZE) crm.activities;
CLUSTER crm.orders USING orders_customer_id_idx;
