-- A customer moved to another territory and owner (both read models move the row between groups).
\set id random(1, :customers)
\set t random(1, 8)
UPDATE crm.customers
SET territory_code = (ARRAY['DE-BY','DE-BW','DE-BE','DE-HH','DE-NW','DE-HE','AT-W','CH-ZH'])[:t],
    owner_id = (SELECT id FROM crm.users ORDER BY md5(id::text || :id) LIMIT 1),
    updated_at = now()
WHERE id = :id;
