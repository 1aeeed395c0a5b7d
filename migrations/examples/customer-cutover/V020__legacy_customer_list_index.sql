-- phase: expand
-- transaction: none
-- description: the legacy customer list's covering index (the tuning the modules' legacy query relies on)
-- Part of the walk-through in docs/cutover-guide.md. It stands for the tuning a CRM carries for its
-- legacy readers: the modules' customer list aggregates every order of a territory per request,
-- and this covering index lets that aggregate read the index alone. Only the legacy path needs
-- it (the read model keeps its own totals), so the contract (V021) drops it once no module reads
-- the legacy path any more.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_legacy_list_idx
    ON crm.orders (customer_id) INCLUDE (net_amount, ordered_at);

-- rollback:
DROP INDEX CONCURRENTLY IF EXISTS crm.orders_legacy_list_idx;
