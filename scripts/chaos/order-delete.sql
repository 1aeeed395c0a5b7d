-- An order cancelled.
\set id random(1, :customers)
DELETE FROM crm.orders WHERE id = (SELECT id FROM crm.orders WHERE customer_id = :id ORDER BY id DESC LIMIT 1);
