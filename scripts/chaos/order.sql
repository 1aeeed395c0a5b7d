-- An order placed (revenue, territory pipeline).
\set id random(1, :customers)
\set days random(0, 700)
\set amount random(1, 5000)
INSERT INTO crm.orders (customer_id, ordered_at, net_amount, item_count)
SELECT id, DATE '2026-11-01' - :days, :amount + 0.25, 1 + :amount % 7 FROM crm.customers WHERE id = :id;
