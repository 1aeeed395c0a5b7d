-- expect: check-without-not-valid
-- phase: expand
-- Order amounts must stay below a sanity limit.
SET lock_timeout = '2s';
ALTER TABLE crm.orders ADD CONSTRAINT orders_net_amount_sane CHECK (net_amount < 1000000);
