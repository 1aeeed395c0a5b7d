-- The read API's one-statement reads (cutover.api_read, engine step 5): it sets the caller's
-- context itself and then runs the view's statement as cutover_reader, which must fail closed,
-- honour territory isolation exactly like the views whatever the session had set before, and
-- never write.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(11);

-- Expectations as the owner, before any call switches the role.
SELECT count(*)::int AS by_rows FROM live_customer_overview WHERE territory_code = 'DE-BY' \gset
SELECT min(customer_id) AS by_id FROM live_customer_overview WHERE territory_code = 'DE-BY' \gset
SELECT count(*)::int AS by_segments FROM live_territory_pipeline WHERE territory_code = 'DE-BY' \gset
SELECT count(*)::int AS by_followups FROM live_sample_followups WHERE territory_code = 'DE-BY' \gset

\set count_statement 'SELECT to_json(count(*)) FROM read.customer_overview WHERE territory_code = ($1[1])::text'

SELECT is(cutover.api_read('', '', '', :'count_statement', ARRAY['DE-BY'])::text, '0',
          'no territories in the context: no rows');
SELECT is(cutover.api_read('DE-BW', '', '', :'count_statement', ARRAY['DE-BY'])::text, '0',
          'another territory in the context: no rows');
SELECT is(cutover.api_read('DE-BY', '', '', :'count_statement', ARRAY['DE-BY'])::text, :by_rows::text,
          'the territory in the context: its rows');
SELECT is(cutover.api_read('DE-BY,DE-BW', '', '', 'SELECT to_json(min(customer_id)) FROM read.customer_overview WHERE territory_code = ($1[1])::text',
                           ARRAY['DE-BY'])::text, :by_id::text, 'several territories: the asked one, from its first id');
SELECT is(cutover.api_read('DE-BY', '', '', 'SELECT to_json(current_user::text)', '{}')::text, '"cutover_reader"',
          'the statement runs as cutover_reader');
SELECT is(current_user::text, 'cutover_reader', 'the call switched to cutover_reader for the rest of this transaction (a request is one statement)');
SELECT is(cutover.api_read('DE-BY', '', '', 'SELECT to_json(count(*)) FROM read.customer_overview WHERE customer_id = ($1[1])::bigint',
                           ARRAY[:by_id::text])::text, '1', 'a customer of the own territory: found');
SELECT is(cutover.api_read('DE-BW', '', '', 'SELECT to_json(count(*)) FROM read.customer_overview WHERE customer_id = ($1[1])::bigint',
                           ARRAY[:by_id::text])::text, '0', 'a customer of another territory: not found');
SELECT is(cutover.api_read('DE-BY', '', '', 'SELECT json_build_array((SELECT count(*) FROM read.territory_pipeline WHERE territory_code = ($1[1])::text), (SELECT count(*) FROM read.sample_followups WHERE territory_code = ($1[1])::text))',
                           ARRAY['DE-BY'])::text, '[' || :by_segments || ', ' || :by_followups || ']', 'pipeline and follow-ups: own territory, every row');
SELECT is((SELECT count(*)::int FROM pg_prepared_statements WHERE name = 'cutover_read_' || md5(:'count_statement')), 1,
          'a statement is prepared once per session and its plan kept: tests 1-3 ran one statement with three contexts');
SELECT throws_ok($$SELECT cutover.api_read('DE-BY', '', '', 'WITH gone AS (DELETE FROM crm.customers RETURNING 1) SELECT to_json(count(*)) FROM gone', '{}')$$,
                 '42501', NULL, 'a statement cannot write: cutover_reader has no write privilege');

SELECT * FROM finish();
ROLLBACK;
