-- Legacy reader: customer list of a territory, as the business modules query it today
-- directly on the write tables (multi-join + aggregate over all orders of the territory;
-- deliberately unoptimized, this is the anchor the read models are measured against).
-- $1 territory code (text), $2 segment (text, NULL = any), $3 status (text, NULL = any),
-- $4 limit (int; NULL = all), $5/$6 keyset position (revenue numeric, id bigint; NULL for the first page).
-- Ordered by revenue desc, id asc.
-- Columns: id, name, segment, status, territory_code, city, owner_id, owner_name,
-- order_count, revenue (0 without orders), last_order_at (NULL without orders),
-- chef_name, buyer_name, gf_name (primary contact of that role, "first last", or NULL).
SELECT c.id,
       c.name,
       c.segment,
       c.status,
       c.territory_code,
       c.city,
       c.owner_id,
       u.name AS owner_name,
       count(o.id) AS order_count,
       coalesce(sum(o.net_amount), 0)::numeric AS revenue,
       max(o.ordered_at) AS last_order_at,
       chef.first_name || ' ' || chef.last_name AS chef_name,
       buyer.first_name || ' ' || buyer.last_name AS buyer_name,
       gf.first_name || ' ' || gf.last_name AS gf_name
FROM crm.customers c
LEFT JOIN crm.users u ON u.id = c.owner_id
LEFT JOIN crm.contacts chef
       ON chef.customer_id = c.id AND chef.role = 'CHEF' AND chef.is_primary
LEFT JOIN crm.contacts buyer
       ON buyer.customer_id = c.id AND buyer.role = 'BUYER' AND buyer.is_primary
LEFT JOIN crm.contacts gf
       ON gf.customer_id = c.id AND gf.role = 'GF' AND gf.is_primary
LEFT JOIN crm.orders o ON o.customer_id = c.id
WHERE c.territory_code = $1::text
  AND ($2::text IS NULL OR c.segment = $2::text)
  AND ($3::text IS NULL OR c.status = $3::text)
GROUP BY c.id, u.id, chef.id, buyer.id, gf.id
HAVING $5::numeric IS NULL
    OR coalesce(sum(o.net_amount), 0) < $5::numeric
    OR (coalesce(sum(o.net_amount), 0) = $5::numeric AND c.id > $6::bigint)
ORDER BY revenue DESC, c.id ASC
LIMIT $4::int
