-- backfill: lead_assignments
-- description: lead assignments for every existing lead protection (V006 user lead protection)
-- source: crm.lead_protections
-- key: customer_id
-- partition: (SELECT c.territory_code FROM crm.customers c WHERE c.id = src.customer_id)
-- partitions: SELECT code FROM crm.territories ORDER BY code
-- batch-size: 5000
-- lock-timeout-ms: 500
-- statement-timeout-ms: 30000
--
-- One batch: the protections with customer_id in (:from_key, :to_key], with the customer's
-- territory, in the territory :partition when run with --by-territory (NULL: every territory).
-- Idempotent and never overwrites an assignment the CRM wrote itself (ON CONFLICT DO NOTHING),
-- so rerunning a batch after a crash changes nothing twice.
INSERT INTO crm.lead_assignments (customer_id, user_id, territory_code, protected_until, source)
SELECT lp.customer_id, lp.owner_id, c.territory_code, lp.protected_until, 'backfill'
FROM crm.lead_protections lp
JOIN crm.customers c ON c.id = lp.customer_id
WHERE lp.customer_id > :from_key AND lp.customer_id <= :to_key
  AND (:partition IS NULL OR c.territory_code = :partition)
ORDER BY lp.customer_id
ON CONFLICT (customer_id) DO NOTHING;
