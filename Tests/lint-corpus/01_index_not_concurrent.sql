-- expect: index-not-concurrent
-- phase: expand
-- Speeds up the "orders of a customer" page with a plain CREATE INDEX on a busy table.
SET lock_timeout = '2s';
CREATE INDEX orders_ordered_at_idx ON crm.orders (ordered_at);
