-- SQL readers cannot widen their own access: a login role granted DE-BY for a sales rep (as
-- `cutover readers create` records it) tries every way to read more. The session becomes that
-- login (SET LOCAL SESSION AUTHORIZATION, so session_user is the reader, as after a real login);
-- everything is rolled back, the role too.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(16);

-- A rep with protected leads in DE-BY, and the expectations, as the owner of the read tables.
SELECT lp.owner_id AS rep FROM crm.lead_protections lp JOIN crm.customers c ON c.id = lp.customer_id
    WHERE lp.protected_until >= current_date AND c.territory_code = 'DE-BY'
    GROUP BY lp.owner_id ORDER BY count(*) DESC LIMIT 1 \gset
SELECT count(*) AS by_rows FROM live_customer_overview WHERE territory_code = 'DE-BY' \gset
SELECT count(*) AS rep_unmasked FROM live_customer_overview WHERE territory_code = 'DE-BY'
    AND cutover.reader_sees_contacts(protection_owner_id, protected_until, :rep, false) \gset
SELECT count(*) AS by_protected FROM live_customer_overview WHERE territory_code = 'DE-BY'
    AND NOT cutover.reader_sees_contacts(protection_owner_id, protected_until, NULL, false) \gset
SELECT 'pgtap_reader_' || pg_backend_pid() AS reader \gset
SELECT ok(:by_protected > 0 AND :rep_unmasked < :by_rows, 'precondition: DE-BY has leads masked for the rep');

CREATE ROLE :"reader" LOGIN IN ROLE cutover_reader;
INSERT INTO cutover.sql_readers (role_name, module, territories, user_id) VALUES (:'reader', '03', '{DE-BY}', :rep);
SET LOCAL SESSION AUTHORIZATION :"reader";
SELECT is(session_user::text, :'reader', 'the session is the reader''s login');

SELECT is((SELECT count(*) FROM read.customer_overview), :by_rows::bigint, 'no setting: the granted territory');
SELECT is((SELECT count(*) FROM read.customer_overview WHERE NOT contacts_masked), :rep_unmasked::bigint,
          'no setting: the rep''s own protected leads unmasked, others masked');

SET LOCAL cutover.territories = 'DE-BY,DE-BW';
SELECT is((SELECT count(*) FROM read.customer_overview WHERE territory_code <> 'DE-BY'), 0::bigint, 'asking for DE-BW too adds none of its rows');
SET LOCAL cutover.territories = 'DE-BW';
SELECT is((SELECT count(*) FROM read.customer_overview), 0::bigint, 'a territory not granted yields no rows');
RESET cutover.territories;

SET LOCAL cutover.user_role = 'MANAGER';
SELECT is((SELECT count(*) FROM read.customer_overview WHERE NOT contacts_masked), :rep_unmasked::bigint, 'claiming MANAGER unmasks nothing');
SET LOCAL cutover.user_id = '1';
SELECT is((SELECT count(*) FROM read.customer_overview WHERE NOT contacts_masked), :rep_unmasked::bigint, 'claiming another user unmasks nothing');
SELECT is((SELECT count(*) FROM read.sample_followups WHERE territory_code <> 'DE-BY'), 0::bigint, 'sample_followups: the granted territory only');
SELECT is(cutover.api_read('DE-BW', '1', 'MANAGER', 'SELECT to_json(count(*)) FROM read.customer_overview', '{}')::text, '0',
          'the API''s read function: its context arguments decide nothing for a SQL reader');
RESET cutover.user_role;
RESET cutover.user_id;

SELECT throws_ok('SET ROLE cutover_api', '42501', NULL, 'SET ROLE to the API''s role is refused');
SELECT throws_ok('SET ROLE cutover_read_views', '42501', NULL, 'SET ROLE to the views'' owner is refused');
SELECT throws_ok(format('SET ROLE %I', (SELECT rolname FROM pg_roles r JOIN pg_class c ON c.relowner = r.oid WHERE c.oid = 'cutover.sql_readers'::regclass)),
                 '42501', NULL, 'SET ROLE to the tables'' owner is refused');
SELECT throws_ok('SELECT count(*) FROM live_customer_overview', '42501', NULL, 'the read tables themselves are refused');
SELECT throws_ok('SELECT count(*) FROM cutover.sql_readers', '42501', NULL, 'the grants are not readable');

-- Revoked: the grant reads nothing even in a session that is still open.
RESET SESSION AUTHORIZATION;
UPDATE cutover.sql_readers SET revoked_at = now() WHERE role_name = :'reader';
SET LOCAL SESSION AUTHORIZATION :"reader";
SELECT is((SELECT count(*) FROM read.customer_overview), 0::bigint, 'a revoked reader sees no rows');
RESET SESSION AUTHORIZATION;

SELECT * FROM finish();
ROLLBACK;
