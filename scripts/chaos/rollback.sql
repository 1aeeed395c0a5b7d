-- Work that is rolled back: nothing of it may reach a read model.
\set id random(1, :customers)
BEGIN;
UPDATE crm.customers SET name = 'ROLLED BACK', territory_code = 'CH-ZH' WHERE id = :id;
INSERT INTO crm.orders (customer_id, ordered_at, net_amount, item_count) SELECT id, DATE '2026-10-01', 99999, 1 FROM crm.customers WHERE id = :id;
ROLLBACK;
