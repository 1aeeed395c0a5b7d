-- The read API's one-statement reads (migrations/V005__read_api_functions.sql): each function
-- sets the caller's context itself and must fail closed and honour territory isolation exactly
-- like the views, whatever the session had set before.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(16);

-- Expectations as the owner, before any call switches the role.
SELECT least(count(*), 100)::int AS by_rows FROM live_customer_overview WHERE territory_code = 'DE-BY' \gset
SELECT min(customer_id) AS by_id FROM live_customer_overview WHERE territory_code = 'DE-BY' \gset
SELECT count(*)::int AS by_segments FROM live_territory_pipeline WHERE territory_code = 'DE-BY' \gset
SELECT least(count(*), 100)::int AS by_followups FROM live_sample_followups WHERE territory_code = 'DE-BY' \gset

SELECT is((SELECT count(*)::int FROM read.api_customer_list('', '', '', 'DE-BY', NULL, NULL, NULL, NULL, 100)), 0,
          'api_customer_list: no territories in the context: no rows');
SELECT is((SELECT count(*)::int FROM read.api_customer_list('DE-BW', '', '', 'DE-BY', NULL, NULL, NULL, NULL, 100)), 0,
          'api_customer_list: another territory in the context: no rows');
SELECT is((SELECT count(*)::int FROM read.api_customer_list('DE-BY', '', '', 'DE-BY', NULL, NULL, NULL, NULL, 100)), :by_rows,
          'api_customer_list: the territory in the context: its rows');
SELECT ok((SELECT bool_and(territory_code = 'DE-BY') FROM read.api_customer_list('DE-BY,DE-BW', '', '', 'DE-BY', NULL, NULL, NULL, NULL, 100)),
          'api_customer_list: only the asked territory');
SELECT is((SELECT count(*)::int FROM read.api_customer_list_by_id('', '', '', 'DE-BY', NULL, NULL, NULL, 100)), 0,
          'api_customer_list_by_id: no territories in the context: no rows');
SELECT is((SELECT count(*)::int FROM read.api_customer_list_by_id('DE-BW', '', '', 'DE-BY', NULL, NULL, NULL, 100)), 0,
          'api_customer_list_by_id: another territory in the context: no rows');
SELECT is((SELECT count(*)::int FROM read.api_customer_list_by_id('DE-BY', '', '', 'DE-BY', NULL, NULL, NULL, 100)), :by_rows,
          'api_customer_list_by_id: the territory in the context: its rows');
SELECT is((SELECT min(customer_id) FROM read.api_customer_list_by_id('DE-BY,DE-BW', '', '', 'DE-BY', NULL, NULL, NULL, 1)), :by_id::bigint,
          'api_customer_list_by_id: the first page starts at the smallest id of the asked territory');
SELECT is(current_user::text, 'cutover_reader', 'the call switched to cutover_reader for the rest of this transaction (a request is one statement)');

SELECT is((SELECT count(*)::int FROM read.api_customer('', '', '', :by_id)), 0, 'api_customer: no territories: not found');
SELECT is((SELECT count(*)::int FROM read.api_customer('DE-BW', '', '', :by_id)), 0, 'api_customer: another territory: not found');
SELECT is((SELECT count(*)::int FROM read.api_customer('DE-BY', '', '', :by_id)), 1, 'api_customer: own territory: found');

SELECT is((SELECT count(*)::int FROM read.api_pipeline('', '', '', 'DE-BY')), 0, 'api_pipeline: no territories: no rows');
SELECT is((SELECT count(*)::int FROM read.api_pipeline('DE-BY', '', '', 'DE-BY')), :by_segments, 'api_pipeline: own territory: every segment');

SELECT is((SELECT count(*)::int FROM read.api_followups('', '', '', 'DE-BY', NULL, NULL, NULL, 100)), 0, 'api_followups: no territories: no rows');
SELECT is((SELECT count(*)::int FROM read.api_followups('DE-BY', '', '', 'DE-BY', NULL, NULL, NULL, 100)), :by_followups,
          'api_followups: own territory: its rows');

SELECT * FROM finish();
ROLLBACK;
