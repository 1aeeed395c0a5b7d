-- The request context is transaction-local: the read API sets role and settings with
-- set_config(..., true) (cutover.api_context through cutover.api_read; ReaderContext for the legacy path), so nothing survives the request's transaction and a
-- pooled connection never carries one caller's territories, user or role into the next request.
--
-- This file needs more than one transaction on the same connection (one psql session), so the
-- observations of the earlier transactions are kept in psql variables (\gset) and checked by
-- pgTAP in a last transaction that is rolled back. Nothing is written to the database.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- Control: a session-level setting (is_local false) does survive COMMIT, so the checks below can
-- tell the difference. Reset right after.
BEGIN;
SELECT set_config('cutover.territories', 'DE-HH', false) AS ignore_control \gset
COMMIT;
BEGIN;
SELECT coalesce(current_setting('cutover.territories', true), '<missing>') AS control_after_commit \gset
COMMIT;
RESET cutover.territories;

-- A request: context as the read API sets it, a read, COMMIT.
BEGIN;
SELECT set_config('role', 'cutover_reader', true) AS ignore_role,
       set_config('cutover.territories', 'DE-BY', true) AS ignore_territories,
       set_config('cutover.user_id', '42', true) AS ignore_user_id,
       set_config('cutover.user_role', 'MANAGER', true) AS ignore_user_role \gset
SELECT current_user AS in_tx_user,
       current_setting('cutover.territories') AS in_tx_territories,
       current_setting('cutover.user_id') AS in_tx_user_id,
       current_setting('cutover.user_role') AS in_tx_user_role,
       (SELECT count(*) FROM read.customer_overview) AS in_tx_rows \gset
COMMIT;

-- Right after that COMMIT, on the same connection.
SELECT current_user AS after_commit_user,
       coalesce(current_setting('cutover.territories', true), '') AS after_commit_territories,
       coalesce(current_setting('cutover.user_id', true), '') AS after_commit_user_id,
       coalesce(current_setting('cutover.user_role', true), '') AS after_commit_user_role,
       (SELECT count(*) FROM read.customer_overview) AS after_commit_rows \gset

-- A request that fails (ROLLBACK) does not leave its context behind either.
BEGIN;
SELECT set_config('role', 'cutover_reader', true) AS ignore_role,
       set_config('cutover.territories', 'DE-BW', true) AS ignore_territories,
       set_config('cutover.user_id', '43', true) AS ignore_user_id,
       set_config('cutover.user_role', 'MANAGER', true) AS ignore_user_role \gset
ROLLBACK;

-- ---------------------------------------------------------------------------------------------
BEGIN;
\ir include/setup.psql
SELECT plan(21);

SELECT is(:'control_after_commit'::text, 'DE-HH', 'control: a session-level set_config(..., false) survives COMMIT');

SELECT is(:'in_tx_user'::text, 'cutover_reader', 'inside the request the role is cutover_reader');
SELECT is(:'in_tx_territories'::text, 'DE-BY', 'inside the request cutover.territories is DE-BY');
SELECT is(:'in_tx_user_id'::text, '42', 'inside the request cutover.user_id is 42');
SELECT is(:'in_tx_user_role'::text, 'MANAGER', 'inside the request cutover.user_role is MANAGER');
SELECT is(:'in_tx_rows'::bigint, (SELECT count(*) FROM live_customer_overview WHERE territory_code = 'DE-BY'),
          'inside the request the reader sees the DE-BY customers');
SELECT cmp_ok(:'in_tx_rows'::bigint, '>', 0::bigint, 'inside the request the reader sees rows at all');

SELECT is(:'after_commit_user'::text, session_user::text, 'after COMMIT the role is the session user again');
SELECT is(:'after_commit_territories'::text, '', 'after COMMIT cutover.territories is gone');
SELECT is(:'after_commit_user_id'::text, '', 'after COMMIT cutover.user_id is gone');
SELECT is(:'after_commit_user_role'::text, '', 'after COMMIT cutover.user_role is gone');
SELECT is(:'after_commit_rows'::bigint, 0::bigint, 'after COMMIT the view shows no rows on that connection');

-- And now, in this new transaction (after the rolled-back DE-BW request as well).
SELECT is(current_user::text, session_user::text, 'a new transaction runs as the session user');
SELECT is(cutover.reader_territories(), '{}'::text[], 'a new transaction has no territories');
SELECT is(cutover.reader_user_id(), NULL::bigint, 'a new transaction has no user');
SELECT is(coalesce(current_setting('cutover.user_role', true), ''), '', 'a new transaction has no user role');
SET LOCAL ROLE cutover_reader;
SELECT is_empty('SELECT 1 FROM read.customer_overview', 'a new reader transaction sees no customer_overview rows');
SELECT is_empty('SELECT 1 FROM read.sample_followups', 'a new reader transaction sees no sample_followups rows');
SELECT is_empty('SELECT 1 FROM read.territory_pipeline', 'a new reader transaction sees no territory_pipeline rows');

-- The MANAGER role of the committed request is not inherited: a DE-BY customer protected today
-- (made so here, as the owner of the read table) has its contacts masked for this transaction.
RESET ROLE;
UPDATE live_customer_overview
SET protection_owner_id = (SELECT id FROM crm.users ORDER BY id LIMIT 1), protected_until = current_date + 30
WHERE customer_id = (SELECT customer_id FROM live_customer_overview
                     WHERE territory_code = 'DE-BY' AND chef_contact_id IS NOT NULL ORDER BY customer_id LIMIT 1);
SET LOCAL ROLE cutover_reader;
SET LOCAL cutover.territories = 'DE-BY';
SELECT cmp_ok((SELECT count(*) FROM read.customer_overview WHERE protected_until >= current_date), '>', 0::bigint,
              'precondition: DE-BY has a customer protected today');
SELECT is_empty('SELECT 1 FROM read.customer_overview WHERE protected_until >= current_date
                 AND num_nonnulls(chef_contact_id, buyer_contact_id, gf_contact_id) > 0
                 AND protection_owner_id IS DISTINCT FROM 42',
                'a new reader transaction does not inherit the committed request''s MANAGER role');

SELECT * FROM finish();
ROLLBACK;
