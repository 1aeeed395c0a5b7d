-- contact_directory: one row per contact, for the contact ids in $1 (bigint[]). Deterministic
-- function of the committed crm.* tables (no clock): the lead protection's owner and end date
-- are stored, whether it is still active is decided by the reader (read.contact_directory).
-- name = first_name || ' ' || last_name, as in customer_overview and sample_followups.
-- Columns in the table's order (the projector inserts SELECT * of this query).
SELECT k.id                               AS contact_id,
       k.role,
       k.first_name || ' ' || k.last_name AS contact_name,
       k.email                            AS contact_email,
       k.phone                            AS contact_phone,
       k.is_primary,
       c.id                               AS customer_id,
       c.name                             AS customer_name,
       c.segment,
       c.status,
       c.territory_code,
       c.city,
       c.owner_id,
       lp.owner_id                        AS protection_owner_id,
       lp.protected_until
FROM crm.contacts k
JOIN crm.customers c ON c.id = k.customer_id
LEFT JOIN crm.lead_protections lp ON lp.customer_id = k.customer_id
WHERE k.id = ANY($1::bigint[])
