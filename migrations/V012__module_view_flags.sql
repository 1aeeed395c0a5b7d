-- phase: expand
-- description: the reader flags of modules 03 and 05's read views (contacts.list, visits.due), starting on legacy
-- Like V007: the flags tables, their audit trail and the read-usage counts belong to the engine
-- (`cutover init`); this migration only creates the application's flags, each with its audit row
-- (the engine refuses a flag without one). `cutover serve` refuses a declared view whose flag
-- does not exist, so this runs before projections/contact_directory/views/contacts.list.yaml and
-- projections/customer_overview/views/visits.due.yaml are served.
--
-- A flag that exists already is left as it is: an operator may have created it with
-- `cutover flags create` (what serve's error suggests), and after `migrate rollback` (which
-- cannot delete flags, see below) `migrate up` finds them again.

-- The reader flags start on the legacy path: nothing moves until somebody decides.
WITH seed (name, kind, views, description, variant) AS (
    VALUES
        ('contact_reads', 'reader', ARRAY['contacts.list'], 'contact list (module 03): legacy query -> contact_directory', 'legacy'),
        ('visit_reads', 'reader', ARRAY['visits.due'], 'customers due for a visit (module 05): legacy query -> customer_overview', 'legacy')
), missing AS (
    SELECT s.* FROM seed s WHERE NOT EXISTS (SELECT 1 FROM cutover.flags f WHERE f.name = s.name)
), audit AS (
    INSERT INTO cutover.flag_audit (flag, version, changed_by, old_value, new_value, reason)
    SELECT name, 1, current_user, NULL, jsonb_build_object('rule', jsonb_build_object('variant', variant, 'percent', 100), 'modules', '{}'::jsonb),
           'created by migration V012'
    FROM missing
)
INSERT INTO cutover.flags (name, kind, views, description, value)
SELECT name, kind, views, description, jsonb_build_object('rule', jsonb_build_object('variant', variant, 'percent', 100), 'modules', '{}'::jsonb)
FROM missing;

-- rollback:
-- The flags cannot be deleted: their audit rows reference them and cutover.flag_audit is
-- append-only (a DELETE like V007's rollback fails on flag_audit_flag_fkey). Undo what can be
-- undone: every module of both flags back on legacy, with the audit row of that change.
WITH legacy (value) AS (
    SELECT jsonb_build_object('rule', jsonb_build_object('variant', 'legacy', 'percent', 100), 'modules', '{}'::jsonb)
), changed AS (
    SELECT f.name, f.version, f.value AS old_value
    FROM cutover.flags f CROSS JOIN legacy l
    WHERE f.name IN ('contact_reads', 'visit_reads') AND f.value <> l.value
    FOR UPDATE OF f
), audit AS (
    INSERT INTO cutover.flag_audit (flag, version, changed_by, old_value, new_value, reason)
    SELECT c.name, c.version + 1, current_user, c.old_value, l.value, 'rolled back by migration V012'
    FROM changed c CROSS JOIN legacy l
)
UPDATE cutover.flags f SET value = l.value, version = c.version + 1, updated_at = now(), updated_by = current_user
FROM changed c CROSS JOIN legacy l
WHERE f.name = c.name;
