-- A lead protected or released (masking in the read models).
\set id random(1, :customers)
\set choice random(0, 1)
INSERT INTO crm.lead_protections (customer_id, owner_id, protected_until, reason)
SELECT id, owner_id, DATE '2027-03-01', 'chaos' FROM crm.customers WHERE id = :id AND owner_id IS NOT NULL AND :choice = 0
ON CONFLICT (customer_id) DO UPDATE SET protected_until = EXCLUDED.protected_until;
DELETE FROM crm.lead_protections WHERE customer_id = :id AND :choice = 1;
