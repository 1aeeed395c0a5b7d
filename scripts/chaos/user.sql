-- A sales rep renamed (fans out to every customer they own).
UPDATE crm.users SET name = 'Rep ' || id || '.' || :client_id || '.' || (random() * 1000)::int
WHERE id = (SELECT id FROM crm.users ORDER BY random() LIMIT 1);
