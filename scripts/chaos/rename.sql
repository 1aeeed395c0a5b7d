-- A customer renamed (customer_overview, sample_followups).
\set id random(1, :customers)
UPDATE crm.customers SET name = 'Chaos ' || :id || '.' || :client_id || '.' || (random() * 1000)::int, updated_at = now() WHERE id = :id;
