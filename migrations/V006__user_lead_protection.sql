-- phase: expand
-- V006 user lead protection: one lead assignment per protected customer, carrying the owner,
-- the customer's territory and how long the protection lasts, readable per user. Expand only: a
-- new table (no rewrite or lock of an existing one), filled for the existing protections by the
-- migrate-phase backfill migrations/backfills/lead_assignments.sql (`cutover backfill
-- lead_assignments`); the CRM writes new assignments itself from then on.
--
-- Row-level security fails closed on the engine's request context (`cutover init`; transaction-local settings
-- cutover.territories, cutover.user_id, cutover.user_role): no territory, no rows. A sales rep
-- sees their own assignments in their territories; a MANAGER sees every assignment of their
-- territories. Readers act as the NOLOGIN role cutover_lead_reader, which may read this table
-- and nothing else; it owns nothing, so the policy applies to it. The table's owner (the
-- migrating user, who also runs the backfill) is not subject to the policy.

-- Roles are cluster-wide: several databases of one cluster may run this file at the same time, and
-- one of them may still roll back. So create the role and the membership idempotently and retry
-- when another session's creation collides or disappears.
DO $$
BEGIN
    FOR attempt IN 1..100 LOOP
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cutover_lead_reader') THEN
                CREATE ROLE cutover_lead_reader NOLOGIN;
            END IF;
            IF NOT pg_has_role(current_user, 'cutover_lead_reader', 'MEMBER') THEN
                EXECUTE format('GRANT cutover_lead_reader TO %I', current_user);
            END IF;
            RETURN;
        EXCEPTION WHEN duplicate_object OR unique_violation OR undefined_object THEN
            PERFORM pg_sleep(0.05);
        END;
    END LOOP;
    RAISE EXCEPTION 'could not create role cutover_lead_reader after 100 tries';
END
$$;

CREATE TABLE crm.lead_assignments (
    customer_id     bigint      PRIMARY KEY REFERENCES crm.customers ON DELETE CASCADE,
    user_id         bigint      NOT NULL REFERENCES crm.users,
    territory_code  text        NOT NULL REFERENCES crm.territories,
    protected_until date        NOT NULL,
    assigned_at     timestamptz NOT NULL DEFAULT now(),
    source          text        NOT NULL DEFAULT 'crm' CHECK (source IN ('crm', 'backfill'))
);

-- "My protected leads" (a rep, within their territories) and a manager's territory list.
CREATE INDEX lead_assignments_user_idx ON crm.lead_assignments (user_id, territory_code, protected_until);
CREATE INDEX lead_assignments_territory_idx ON crm.lead_assignments (territory_code, protected_until);

ALTER TABLE crm.lead_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY lead_assignments_reader ON crm.lead_assignments FOR SELECT
    USING (territory_code = ANY ((SELECT cutover.reader_territories())::text[])
           AND coalesce(user_id = (SELECT cutover.reader_user_id()) OR (SELECT cutover.reader_is_manager()), false));

GRANT USAGE ON SCHEMA crm TO cutover_lead_reader;
GRANT SELECT ON crm.lead_assignments TO cutover_lead_reader;
GRANT USAGE ON SCHEMA cutover TO cutover_lead_reader;
