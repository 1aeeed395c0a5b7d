-- One transaction touching several tables: a move with an order and a visit.
\set id random(1, :customers)
\set t random(1, 8)
BEGIN;
UPDATE crm.customers SET territory_code = (ARRAY['DE-BY','DE-BW','DE-BE','DE-HH','DE-NW','DE-HE','AT-W','CH-ZH'])[:t], updated_at = now() WHERE id = :id;
INSERT INTO crm.orders (customer_id, ordered_at, net_amount, item_count) SELECT id, DATE '2026-10-30', 120.50, 3 FROM crm.customers WHERE id = :id;
INSERT INTO crm.activities (customer_id, kind, occurred_at) SELECT id, 'CALL', now() FROM crm.customers WHERE id = :id;
COMMIT;
