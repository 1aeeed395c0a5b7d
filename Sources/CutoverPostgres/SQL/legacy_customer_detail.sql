-- Legacy reader: one customer's detail page, as the business modules query it today
-- directly on the write tables (one join / lateral subquery per aspect).
-- $1 customer id (bigint). One row, or no row if the customer does not exist.
-- "Last" sample / order / activity = latest sent_at / ordered_at / occurred_at, ties broken
-- by id desc. contacts = json array of {id, role, first_name, last_name, email, phone,
-- is_primary} ordered by role, is_primary desc, id ('[]' when there are none).
SELECT c.id,
       c.name,
       c.segment,
       c.status,
       c.territory_code,
       c.street,
       c.postal_code,
       c.city,
       c.owner_id,
       ow.name AS owner_name,
       lp.owner_id AS protection_owner_id,
       pu.name AS protection_owner_name,
       lp.protected_until,
       ls.id AS last_sample_id,
       ls.product AS last_sample_product,
       ls.sent_at AS last_sample_sent_at,
       ls.feedback AS last_sample_feedback,
       ls.rating AS last_sample_rating,
       ls.follow_up_due AS last_sample_follow_up_due,
       ls.followed_up_at AS last_sample_followed_up_at,
       lo.ordered_at AS last_order_at,
       lo.net_amount AS last_order_net_amount,
       oa.order_count,
       oa.revenue,
       la.kind AS last_activity_kind,
       la.occurred_at AS last_activity_at,
       la.user_name AS last_activity_user_name,
       ct.contacts
FROM crm.customers c
LEFT JOIN crm.users ow ON ow.id = c.owner_id
LEFT JOIN crm.lead_protections lp ON lp.customer_id = c.id
LEFT JOIN crm.users pu ON pu.id = lp.owner_id
LEFT JOIN LATERAL (
    SELECT s.id, s.product, s.sent_at, s.feedback, s.rating, s.follow_up_due, s.followed_up_at
    FROM crm.samples s
    WHERE s.customer_id = c.id
    ORDER BY s.sent_at DESC, s.id DESC
    LIMIT 1
) AS ls ON true
LEFT JOIN LATERAL (
    SELECT o.ordered_at, o.net_amount
    FROM crm.orders o
    WHERE o.customer_id = c.id
    ORDER BY o.ordered_at DESC, o.id DESC
    LIMIT 1
) AS lo ON true
CROSS JOIN LATERAL (
    SELECT count(*) AS order_count, coalesce(sum(o.net_amount), 0)::numeric AS revenue
    FROM crm.orders o
    WHERE o.customer_id = c.id
) AS oa
LEFT JOIN LATERAL (
    SELECT a.kind, a.occurred_at, au.name AS user_name
    FROM crm.activities a
    LEFT JOIN crm.users au ON au.id = a.user_id
    WHERE a.customer_id = c.id
    ORDER BY a.occurred_at DESC, a.id DESC
    LIMIT 1
) AS la ON true
CROSS JOIN LATERAL (
    SELECT coalesce(json_agg(json_build_object(
               'id', k.id,
               'role', k.role,
               'first_name', k.first_name,
               'last_name', k.last_name,
               'email', k.email,
               'phone', k.phone,
               'is_primary', k.is_primary)
             ORDER BY k.role, k.is_primary DESC, k.id), '[]'::json) AS contacts
    FROM crm.contacts k
    WHERE k.customer_id = c.id
) AS ct
WHERE c.id = $1::bigint
