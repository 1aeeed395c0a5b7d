-- A customer deleted (cascading to its orders, contacts, samples) and a new one created.
\set id random(1, :customers)
DELETE FROM crm.customers WHERE id = :id;
INSERT INTO crm.customers (name, segment, status, territory_code, owner_id, city)
SELECT 'Chaos new ' || :client_id, 'HOTEL', 'LEAD', 'DE-BY', (SELECT min(id) FROM crm.users), 'München';
