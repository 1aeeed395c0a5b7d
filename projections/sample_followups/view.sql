-- read.sample_followups: what readers see. Rows: the table's row-level security (the caller's
-- territories). Columns: the sample's contact is masked (NULL) when the customer is a lead
-- protected today and the caller neither owns the protection nor is a manager.
SELECT
       t.sample_id,
       t.customer_id,
       t.customer_name,
       t.territory_code,
       t.product,
       t.sent_at,
       t.follow_up_due,
       CASE WHEN v.contacts_visible THEN t.contact_id END AS contact_id,
       CASE WHEN v.contacts_visible THEN t.contact_name END AS contact_name,
       CASE WHEN v.contacts_visible THEN t.contact_email END AS contact_email,
       CASE WHEN v.contacts_visible THEN t.contact_phone END AS contact_phone,
       t.owner_id,
       t.owner_name,
       t.protection_owner_id,
       t.protected_until,
       NOT v.contacts_visible AS contacts_masked
FROM {{table}} t
CROSS JOIN LATERAL (SELECT cutover.reader_sees_contacts(t.protection_owner_id, t.protected_until,
                                                 (SELECT cutover.reader_user_id()), (SELECT cutover.reader_is_manager())) AS contacts_visible) v
