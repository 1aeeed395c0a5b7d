-- expect: none
-- phase: expand
-- transaction: none
-- The same index, built without blocking writes.
SET lock_timeout = '2s';
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_ordered_at_idx ON crm.orders (ordered_at);
