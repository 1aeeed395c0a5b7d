-- Lead assignments (migrations/V006__user_lead_protection.sql): row-level security that fails
-- closed on the request context of V004, read as cutover_lead_reader. A sales rep sees only their
-- own assignments and only in the territories of the context; a MANAGER sees every assignment of
-- the context's territories; another territory stays invisible. And the backfill
-- (migrations/backfills/lead_assignments.sql) fills exactly one row per lead protection.
--
-- When the backfill has not run on this database (the suite's projected database), the table is
-- filled here with the backfill's statement over the whole key range, inside the transaction that
-- is rolled back; BackfillTests runs this file after a real `cutover backfill lead_assignments`.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(24);

DO $$
DECLARE
    pgtap_schema name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgtap');
BEGIN
    IF NOT has_schema_privilege('cutover_lead_reader', pgtap_schema, 'USAGE') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO cutover_lead_reader', pgtap_schema);
    END IF;
END
$$;

CREATE TEMP TABLE backfilled_before ON COMMIT DROP AS SELECT count(*) AS n FROM crm.lead_assignments;
INSERT INTO crm.lead_assignments (customer_id, user_id, territory_code, protected_until, source)
SELECT lp.customer_id, lp.owner_id, c.territory_code, lp.protected_until, 'backfill'
FROM crm.lead_protections lp JOIN crm.customers c ON c.id = lp.customer_id
WHERE (SELECT n FROM backfilled_before) = 0
ON CONFLICT (customer_id) DO NOTHING;

-- The context: a territory with assignments of at least two users, the user with the most
-- assignments there (the rep), a MANAGER who is not the rep, and another territory with assignments.
CREATE TEMP TABLE ctx ON COMMIT DROP AS
    WITH per_user AS (
        SELECT territory_code, user_id, count(*) AS n FROM crm.lead_assignments GROUP BY 1, 2
    ), territory AS (
        SELECT territory_code FROM per_user GROUP BY 1 HAVING count(*) >= 2 ORDER BY sum(n) DESC, 1 LIMIT 1
    )
    SELECT t.territory_code AS territory,
           (SELECT user_id FROM per_user p WHERE p.territory_code = t.territory_code ORDER BY n DESC, user_id LIMIT 1) AS rep_id,
           (SELECT code FROM crm.territories x WHERE x.code <> t.territory_code
              AND EXISTS (SELECT 1 FROM crm.lead_assignments a WHERE a.territory_code = x.code) ORDER BY code LIMIT 1) AS other_territory
    FROM territory t;
CREATE TEMP TABLE ctx2 ON COMMIT DROP AS
    SELECT c.*, coalesce((SELECT id FROM crm.users WHERE role = 'MANAGER' AND id <> c.rep_id ORDER BY id LIMIT 1), -1) AS manager_id
    FROM ctx c;
SELECT territory, rep_id, other_territory, manager_id FROM ctx2 \gset

CREATE TEMP TABLE expected_rep ON COMMIT DROP AS
    SELECT customer_id FROM crm.lead_assignments WHERE territory_code = :'territory' AND user_id = :rep_id;
CREATE TEMP TABLE expected_territory ON COMMIT DROP AS
    SELECT customer_id FROM crm.lead_assignments WHERE territory_code = :'territory';
GRANT SELECT ON expected_rep, expected_territory TO cutover_lead_reader;

-- Preconditions.
SELECT cmp_ok((SELECT count(*) FROM crm.lead_assignments), '>', 0::bigint, 'precondition: there are lead assignments');
SELECT cmp_ok((SELECT count(*) FROM expected_territory), '>', (SELECT count(*) FROM expected_rep),
              'precondition: the territory has assignments of other users than the rep');
SELECT cmp_ok((SELECT count(*) FROM expected_rep), '>', 0::bigint, 'precondition: the rep has assignments in the territory');
SELECT ok((SELECT other_territory FROM ctx2) IS NOT NULL, 'precondition: another territory has assignments');

-- Structure.
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'crm.lead_assignments'::regclass), 'row-level security is enabled on crm.lead_assignments');
SELECT ok((SELECT NOT rolsuper AND NOT rolbypassrls FROM pg_roles WHERE rolname = 'cutover_lead_reader'),
          'cutover_lead_reader is neither superuser nor BYPASSRLS');
SELECT ok(NOT pg_has_role('cutover_lead_reader', (SELECT relowner FROM pg_class WHERE oid = 'crm.lead_assignments'::regclass), 'USAGE'),
          'cutover_lead_reader does not have the privileges of the table''s owner');
SELECT table_privs_are('crm', 'lead_assignments', 'cutover_lead_reader', ARRAY['SELECT'], 'cutover_lead_reader may only SELECT');

-- ---------------------------------------------------------------------------------------------
-- Fail closed.
SET LOCAL ROLE cutover_lead_reader;
SELECT is_empty('SELECT 1 FROM crm.lead_assignments', 'no territories setting: no rows');
SET LOCAL cutover.territories = '';
SET LOCAL cutover.user_id = :'rep_id';
SET LOCAL cutover.user_role = 'MANAGER';
SELECT is_empty('SELECT 1 FROM crm.lead_assignments', 'empty territories, even for a MANAGER with a user id: no rows');
SET LOCAL cutover.territories = :'territory';
SET LOCAL cutover.user_id = '';
SET LOCAL cutover.user_role = 'SALES_REP';
SELECT is_empty('SELECT 1 FROM crm.lead_assignments', 'a territory but no user: no rows');

-- A sales rep: own rows of the territory only.
SET LOCAL cutover.user_id = :'rep_id';
SELECT set_eq('SELECT customer_id FROM crm.lead_assignments', 'SELECT customer_id FROM expected_rep',
              'the rep sees exactly their own assignments in the territory');
SELECT is_empty(format('SELECT 1 FROM crm.lead_assignments WHERE user_id <> %s', :'rep_id'), 'the rep sees nobody else''s assignment');
SELECT is_empty(format('SELECT 1 FROM crm.lead_assignments WHERE territory_code <> %L', :'territory'),
                'the rep sees nothing outside the territory of the context');
SET LOCAL cutover.user_role = 'manager';
SELECT set_eq('SELECT customer_id FROM crm.lead_assignments', 'SELECT customer_id FROM expected_rep',
              'user role "manager" (lower case) is not MANAGER: own rows only');

-- A MANAGER: the whole territory, nothing of another.
SET LOCAL cutover.user_id = :'manager_id';
SET LOCAL cutover.user_role = 'MANAGER';
SELECT set_eq('SELECT customer_id FROM crm.lead_assignments', 'SELECT customer_id FROM expected_territory',
              'a MANAGER sees every assignment of the territory');
SELECT is_empty(format('SELECT 1 FROM crm.lead_assignments WHERE territory_code = %L', :'other_territory'),
                'a MANAGER of the territory does not see another territory');
SET LOCAL cutover.territories = :'other_territory';
SELECT is_empty(format('SELECT 1 FROM crm.lead_assignments WHERE territory_code = %L', :'territory'),
                'a MANAGER of another territory does not see the territory');

-- Read only.
SELECT throws_ok('DELETE FROM crm.lead_assignments', '42501', NULL, 'cutover_lead_reader cannot delete');
SELECT throws_ok(format('INSERT INTO crm.lead_assignments (customer_id, user_id, territory_code, protected_until) VALUES (1, %s, %L, current_date)',
                        :'rep_id', :'territory'), '42501', NULL, 'cutover_lead_reader cannot insert');
SELECT throws_ok('UPDATE crm.lead_assignments SET protected_until = current_date', '42501', NULL, 'cutover_lead_reader cannot update');
RESET ROLE;
SET LOCAL ROLE cutover_reader;
SET LOCAL cutover.territories = :'territory';
SELECT throws_ok('SELECT 1 FROM crm.lead_assignments', '42501', NULL, 'the read API''s cutover_reader cannot read crm.lead_assignments');
RESET ROLE;

-- ---------------------------------------------------------------------------------------------
-- The backfilled rows match crm.lead_protections and the customers' territories.
SELECT set_eq($$SELECT customer_id, user_id, territory_code, protected_until FROM crm.lead_assignments WHERE source = 'backfill'$$,
              $$SELECT lp.customer_id, lp.owner_id, c.territory_code, lp.protected_until
                FROM crm.lead_protections lp JOIN crm.customers c ON c.id = lp.customer_id
                WHERE NOT EXISTS (SELECT 1 FROM crm.lead_assignments a WHERE a.customer_id = lp.customer_id AND a.source <> 'backfill')$$,
              'one backfilled assignment per lead protection, with its owner, territory and end date');
SELECT is((SELECT count(*) FROM crm.lead_assignments), (SELECT count(*) FROM crm.lead_protections),
          'as many assignments as lead protections');
SELECT diag(CASE WHEN (SELECT n FROM backfilled_before) = 0 THEN 'filled by this test with the backfill''s statement'
                 ELSE 'filled by a backfill run before this test' END);

SELECT * FROM finish();
ROLLBACK;
