-- read.contact_directory: what readers see. Rows: the table's row-level security (the caller's
-- territories). Columns: a contact's name, e-mail and phone are masked (NULL) when its customer
-- is a lead protected today and the caller neither owns the protection nor is a manager;
-- contacts_masked says so. Id, role and is_primary stay visible (as the customer stays visible).
SELECT
       t.contact_id,
       t.role,
       CASE WHEN v.contacts_visible THEN t.contact_name END AS contact_name,
       CASE WHEN v.contacts_visible THEN t.contact_email END AS contact_email,
       CASE WHEN v.contacts_visible THEN t.contact_phone END AS contact_phone,
       t.is_primary,
       t.customer_id,
       t.customer_name,
       t.segment,
       t.status,
       t.territory_code,
       t.city,
       t.owner_id,
       t.protection_owner_id,
       t.protected_until,
       NOT v.contacts_visible AS contacts_masked
FROM {{table}} t
CROSS JOIN LATERAL (SELECT cutover.reader_sees_contacts(t.protection_owner_id, t.protected_until,
                                                 (SELECT cutover.reader_user_id()), (SELECT cutover.reader_is_manager())) AS contacts_visible) v
