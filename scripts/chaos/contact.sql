-- A contact's details changed.
\set id random(1, :customers)
UPDATE crm.contacts SET phone = '+49 89 ' || :client_id || (random() * 100000)::int, last_name = last_name
WHERE id = (SELECT id FROM crm.contacts WHERE customer_id = :id ORDER BY id LIMIT 1);
