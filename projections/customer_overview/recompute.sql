-- customer_overview: one row per customer, for the customers whose ids are in $1 (bigint[]).
-- Deterministic function of the committed crm.* tables (no clock).
-- * Primary contact of a role = the contact with is_primary (at most one per customer and
--   role: contacts_one_primary_per_role_idx); NULL when the role has none, as the legacy
--   territory list does. name = first_name || ' ' || last_name.
-- * "Last" sample / order / activity = latest sent_at / ordered_at / occurred_at, ties broken
--   by id desc (as legacy_customer_detail.sql).
-- * Every child table is restricted by "customer_id = ANY($1)" itself: a small key set uses
--   the customer_id indexes, a full build (all keys) becomes seq scans + set-based
--   aggregates. Orders are read once (count, sum, last order in one aggregate).
WITH k AS (
    SELECT c.id, c.name, c.segment, c.status, c.territory_code, c.street, c.postal_code,
           c.city, c.owner_id
    FROM crm.customers c
    WHERE c.id = ANY($1::bigint[])
), ct AS (
    SELECT t.customer_id,
           max(t.id)                               FILTER (WHERE t.role = 'CHEF')  AS chef_id,
           max(t.first_name || ' ' || t.last_name) FILTER (WHERE t.role = 'CHEF')  AS chef_name,
           max(t.email)                            FILTER (WHERE t.role = 'CHEF')  AS chef_email,
           max(t.phone)                            FILTER (WHERE t.role = 'CHEF')  AS chef_phone,
           max(t.id)                               FILTER (WHERE t.role = 'BUYER') AS buyer_id,
           max(t.first_name || ' ' || t.last_name) FILTER (WHERE t.role = 'BUYER') AS buyer_name,
           max(t.email)                            FILTER (WHERE t.role = 'BUYER') AS buyer_email,
           max(t.phone)                            FILTER (WHERE t.role = 'BUYER') AS buyer_phone,
           max(t.id)                               FILTER (WHERE t.role = 'GF')    AS gf_id,
           max(t.first_name || ' ' || t.last_name) FILTER (WHERE t.role = 'GF')    AS gf_name,
           max(t.email)                            FILTER (WHERE t.role = 'GF')    AS gf_email,
           max(t.phone)                            FILTER (WHERE t.role = 'GF')    AS gf_phone
    FROM crm.contacts t
    WHERE t.customer_id = ANY($1::bigint[]) AND t.is_primary
    GROUP BY t.customer_id
), oa AS (
    SELECT o.customer_id,
           count(*)                                                            AS order_count,
           sum(o.net_amount)                                                   AS revenue,
           max(o.ordered_at)                                                   AS last_order_at,
           (array_agg(o.net_amount ORDER BY o.ordered_at DESC, o.id DESC))[1] AS last_order_net_amount
    FROM crm.orders o
    WHERE o.customer_id = ANY($1::bigint[])
    GROUP BY o.customer_id
), ls AS (
    SELECT DISTINCT ON (s.customer_id)
           s.customer_id, s.id, s.product, s.sent_at, s.feedback, s.rating, s.follow_up_due,
           s.followed_up_at
    FROM crm.samples s
    WHERE s.customer_id = ANY($1::bigint[])
    ORDER BY s.customer_id, s.sent_at DESC, s.id DESC
), la AS (
    SELECT DISTINCT ON (a.customer_id) a.customer_id, a.kind, a.occurred_at, a.user_id
    FROM crm.activities a
    WHERE a.customer_id = ANY($1::bigint[])
    ORDER BY a.customer_id, a.occurred_at DESC, a.id DESC
)
SELECT k.id                                   AS customer_id,
       k.name,
       k.segment,
       k.status,
       k.territory_code,
       k.street,
       k.postal_code,
       k.city,
       k.owner_id,
       ow.name                                AS owner_name,
       lp.owner_id                            AS protection_owner_id,
       pu.name                                AS protection_owner_name,
       lp.protected_until,
       ct.chef_id                             AS chef_contact_id,
       ct.chef_name,
       ct.chef_email,
       ct.chef_phone,
       ct.buyer_id                            AS buyer_contact_id,
       ct.buyer_name,
       ct.buyer_email,
       ct.buyer_phone,
       ct.gf_id                               AS gf_contact_id,
       ct.gf_name,
       ct.gf_email,
       ct.gf_phone,
       ls.id                                  AS last_sample_id,
       ls.product                             AS last_sample_product,
       ls.sent_at                             AS last_sample_sent_at,
       ls.feedback                            AS last_sample_feedback,
       ls.rating                              AS last_sample_rating,
       ls.follow_up_due                       AS last_sample_follow_up_due,
       ls.followed_up_at                      AS last_sample_followed_up_at,
       coalesce(oa.order_count, 0)::integer   AS order_count,
       coalesce(oa.revenue, 0)::numeric(14,2) AS revenue,
       oa.last_order_at,
       oa.last_order_net_amount::numeric(12,2) AS last_order_net_amount,
       la.kind                                AS last_activity_kind,
       la.occurred_at                         AS last_activity_at,
       au.name                                AS last_activity_user_name
FROM k
LEFT JOIN crm.users ow ON ow.id = k.owner_id
LEFT JOIN crm.lead_protections lp ON lp.customer_id = k.id
LEFT JOIN crm.users pu ON pu.id = lp.owner_id
LEFT JOIN ct ON ct.customer_id = k.id
LEFT JOIN oa ON oa.customer_id = k.id
LEFT JOIN ls ON ls.customer_id = k.id
LEFT JOIN la ON la.customer_id = k.id
LEFT JOIN crm.users au ON au.id = la.user_id
