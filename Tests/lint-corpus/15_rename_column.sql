-- expect: rename-column
-- phase: expand
-- "net_amount" becomes "net_total"; the running API still selects net_amount.
SET lock_timeout = '2s';
ALTER TABLE crm.orders RENAME COLUMN net_amount TO net_total;
