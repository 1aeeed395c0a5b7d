-- Fail closed: without a territory context (no cutover.territories setting, an empty one, or
-- one that names no territory) every view in schema "read" returns no rows, for the reader role
-- and for the connecting superuser reading the views alike (the views belong to
-- cutover_read_views, so the read tables' row-level security applies to every read through a
-- view, whoever runs it). A user id or the MANAGER role do not open any rows either.
--
-- Runs as the connecting (super)user, switches to cutover_reader with SET LOCAL ROLE; everything
-- happens in one transaction that is rolled back.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(30);

-- Preconditions: the projections are built and their tables have rows, so an empty view
-- below means "filtered", not "nothing there".
SELECT set_eq(
    'SELECT projection FROM cutover.projection_checkpoint WHERE live_table IS NOT NULL',
    ARRAY['contact_directory', 'customer_overview', 'sample_followups', 'territory_pipeline'],
    'precondition: the four projections have a live read table');
SELECT cmp_ok((SELECT count(*) FROM live_customer_overview), '>', 0::bigint, 'precondition: the customer_overview table has rows');
SELECT cmp_ok((SELECT count(*) FROM live_sample_followups), '>', 0::bigint, 'precondition: the sample_followups table has rows');
SELECT cmp_ok((SELECT count(*) FROM live_territory_pipeline), '>', 0::bigint, 'precondition: the territory_pipeline table has rows');
SELECT is(current_setting('cutover.territories', true), NULL, 'precondition: the session has no cutover.territories setting');
SELECT is(cutover.reader_territories(), '{}'::text[], 'no setting: reader_territories() is empty');

-- 1. The connecting superuser, no setting at all.
SELECT is_empty('SELECT * FROM read.customer_overview', 'superuser, no territories setting: read.customer_overview is empty');
SELECT is_empty('SELECT * FROM read.sample_followups', 'superuser, no territories setting: read.sample_followups is empty');
SELECT is_empty('SELECT * FROM read.territory_pipeline', 'superuser, no territories setting: read.territory_pipeline is empty');

-- 2. cutover_reader, still no setting (switch first: a SET of the setting cannot be undone
--    to "missing" inside the transaction).
SET LOCAL ROLE cutover_reader;
SELECT is(current_user::text, 'cutover_reader', 'now running as cutover_reader');
SELECT is(current_setting('cutover.territories', true), NULL, 'still no cutover.territories setting');
SELECT is_empty('SELECT * FROM read.customer_overview', 'reader, no territories setting: read.customer_overview is empty');
SELECT is_empty('SELECT * FROM read.sample_followups', 'reader, no territories setting: read.sample_followups is empty');
SELECT is_empty('SELECT * FROM read.territory_pipeline', 'reader, no territories setting: read.territory_pipeline is empty');

-- 3. cutover_reader, empty setting (what the read API sends for a caller without territories).
SET LOCAL cutover.territories = '';
SELECT is(cutover.reader_territories(), '{}'::text[], 'empty setting: reader_territories() is empty');
SELECT is_empty('SELECT * FROM read.customer_overview', 'reader, empty territories: read.customer_overview is empty');
SELECT is_empty('SELECT * FROM read.sample_followups', 'reader, empty territories: read.sample_followups is empty');
SELECT is_empty('SELECT * FROM read.territory_pipeline', 'reader, empty territories: read.territory_pipeline is empty');

-- 4. A user and the MANAGER role do not replace the territory context.
SET LOCAL cutover.user_id = '1';
SET LOCAL cutover.user_role = 'MANAGER';
SELECT is_empty('SELECT * FROM read.customer_overview', 'reader, empty territories, MANAGER: read.customer_overview is empty');
SELECT is_empty('SELECT * FROM read.sample_followups', 'reader, empty territories, MANAGER: read.sample_followups is empty');
SELECT is_empty('SELECT * FROM read.territory_pipeline', 'reader, empty territories, MANAGER: read.territory_pipeline is empty');

-- 5. Separators only, and a territory that does not exist.
SET LOCAL cutover.territories = ',';
SELECT is_empty('SELECT * FROM read.customer_overview', 'reader, territories ",": read.customer_overview is empty');
SET LOCAL cutover.territories = 'XX-NONE';
SELECT is_empty('SELECT * FROM read.customer_overview', 'reader, unknown territory: read.customer_overview is empty');
SELECT is_empty('SELECT * FROM read.territory_pipeline', 'reader, unknown territory: read.territory_pipeline is empty');

-- 6. Back to the connecting superuser, empty setting.
RESET ROLE;
SET LOCAL cutover.territories = '';
SET LOCAL cutover.user_id = '';
SET LOCAL cutover.user_role = '';
SELECT isnt(current_user::text, 'cutover_reader', 'back to the connecting user');
SELECT is_empty('SELECT * FROM read.customer_overview', 'superuser, empty territories: read.customer_overview is empty');
SELECT is_empty('SELECT * FROM read.sample_followups', 'superuser, empty territories: read.sample_followups is empty');
SELECT is_empty('SELECT * FROM read.territory_pipeline', 'superuser, empty territories: read.territory_pipeline is empty');
-- The physical tables are still full for their owner: the emptiness above is the policy.
SELECT cmp_ok((SELECT count(*) FROM live_customer_overview), '>', 0::bigint, 'the owner still sees all customer_overview rows in the table');
SELECT cmp_ok((SELECT count(*) FROM live_territory_pipeline), '>', 0::bigint, 'the owner still sees all territory_pipeline rows in the table');

SELECT * FROM finish();
ROLLBACK;
