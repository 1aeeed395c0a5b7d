-- A visit logged.
\set id random(1, :customers)
INSERT INTO crm.activities (customer_id, user_id, kind, occurred_at, note)
SELECT id, owner_id, 'VISIT', now(), 'chaos' FROM crm.customers WHERE id = :id;
