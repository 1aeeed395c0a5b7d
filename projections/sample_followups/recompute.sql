-- sample_followups: one row per sample that awaits follow-up (follow_up_due set,
-- followed_up_at not set), for the sample ids in $1 (bigint[]). Whether it is overdue is
-- decided by the reader (no clock here). contact_* is the sample's contact (NULL if none;
-- name = first_name || ' ' || last_name); owner_* is the customer's owner;
-- protection_owner_id / protected_until come from the customer's lead protection, for
-- masking the contact details of protected leads.
SELECT s.id                                  AS sample_id,
       s.customer_id,
       c.name                                AS customer_name,
       c.territory_code,
       s.product,
       s.sent_at,
       s.follow_up_due,
       k.id                                  AS contact_id,
       k.first_name || ' ' || k.last_name    AS contact_name,
       k.email                               AS contact_email,
       k.phone                               AS contact_phone,
       c.owner_id,
       u.name                                AS owner_name,
       lp.owner_id                           AS protection_owner_id,
       lp.protected_until
FROM crm.samples s
JOIN crm.customers c ON c.id = s.customer_id
LEFT JOIN crm.contacts k ON k.id = s.contact_id
LEFT JOIN crm.users u ON u.id = c.owner_id
LEFT JOIN crm.lead_protections lp ON lp.customer_id = s.customer_id
WHERE s.id = ANY($1::bigint[])
  AND s.follow_up_due IS NOT NULL
  AND s.followed_up_at IS NULL
