-- territory_pipeline: one row per territory and segment that has customers, for the
-- territories in $1 (text[]). Deterministic (no clock): protections are counted regardless of
-- protected_until (max_protected_until lets a reader see whether any can still be active),
-- samples awaiting follow-up are those with a due date and no follow-up yet (next_follow_up_due
-- is the earliest such due date; "overdue" is decided by the reader).
--
-- Shape chosen for the recompute of one big territory (DE-BY: 44k customers, 181k orders):
-- the customers of each (territory, segment) are collected into an id array and the orders are
-- summed per segment with a bitmap scan of orders_customer_id_idx over that array. That reads
-- only the territory's orders and needs no per-order join back to the customer; a hash join
-- of all orders with the territory's customers probes every order of every territory and was
-- ~1.3-1.5x slower serially (INSERT ... SELECT never runs in parallel).
WITH seg AS (
    SELECT c.territory_code,
           c.segment,
           array_agg(c.id)                               AS ids,
           count(*)                                      AS customers_total,
           count(*) FILTER (WHERE c.status = 'LEAD')     AS leads,
           count(*) FILTER (WHERE c.status = 'PROSPECT') AS prospects,
           count(*) FILTER (WHERE c.status = 'ACTIVE')   AS active,
           count(*) FILTER (WHERE c.status = 'INACTIVE') AS inactive,
           count(p.customer_id)                          AS protected_leads,
           max(p.protected_until)                        AS max_protected_until
    FROM crm.customers c
    LEFT JOIN crm.lead_protections p ON p.customer_id = c.id
    WHERE c.territory_code = ANY($1::text[])
    GROUP BY c.territory_code, c.segment
), sa AS (
    SELECT c.territory_code,
           c.segment,
           count(*)             AS samples_awaiting_follow_up,
           min(s.follow_up_due) AS next_follow_up_due
    FROM crm.customers c
    JOIN crm.samples s ON s.customer_id = c.id
    WHERE c.territory_code = ANY($1::text[])
      AND s.follow_up_due IS NOT NULL
      AND s.followed_up_at IS NULL
    GROUP BY c.territory_code, c.segment
)
SELECT seg.territory_code,
       seg.segment,
       seg.customers_total::integer                        AS customers_total,
       seg.leads::integer                                  AS leads,
       seg.prospects::integer                              AS prospects,
       seg.active::integer                                 AS active,
       seg.inactive::integer                               AS inactive,
       seg.protected_leads::integer                        AS protected_leads,
       seg.max_protected_until,
       coalesce(sa.samples_awaiting_follow_up, 0)::integer AS samples_awaiting_follow_up,
       sa.next_follow_up_due,
       od.order_count::integer                             AS order_count,
       coalesce(od.revenue, 0)::numeric(14,2)              AS revenue
FROM seg
LEFT JOIN sa ON sa.territory_code = seg.territory_code AND sa.segment = seg.segment
CROSS JOIN LATERAL (
    SELECT count(*) AS order_count, sum(o.net_amount) AS revenue
    FROM crm.orders o
    WHERE o.customer_id = ANY(seg.ids)
) AS od
