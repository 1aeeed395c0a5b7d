-- Territory isolation: with cutover.territories = 'DE-BY' every row of every view in schema
-- "read" is a DE-BY row and the view holds exactly the DE-BY rows of its read table; with
-- 'DE-BY,DE-BW' both territories and only those. Expectations are computed from the read tables
-- (as their owner, the connecting user, before switching role), so nothing depends on the seed's
-- numbers.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql
SELECT plan(47);

-- Expected rows per view and territory, and the expected keys (as the owner of the tables).
CREATE TEMP TABLE expected_keys ON COMMIT DROP AS
    SELECT 'customer_overview'::text AS view, territory_code, customer_id::text AS key FROM live_customer_overview
    UNION ALL
    SELECT 'sample_followups', territory_code, sample_id::text FROM live_sample_followups
    UNION ALL
    SELECT 'territory_pipeline', territory_code, territory_code || '/' || segment FROM live_territory_pipeline;
CREATE TEMP TABLE expected_counts ON COMMIT DROP AS
    SELECT view, territory_code, count(*) AS n FROM expected_keys GROUP BY view, territory_code;
GRANT SELECT ON expected_keys, expected_counts TO cutover_reader;

-- Preconditions: both territories have rows in every read table (else the checks are vacuous).
SELECT ok((SELECT count(*) = 2 FROM expected_counts WHERE view = 'customer_overview' AND territory_code IN ('DE-BY', 'DE-BW') AND n > 0),
          'precondition: customer_overview has DE-BY and DE-BW rows');
SELECT ok((SELECT count(*) = 2 FROM expected_counts WHERE view = 'sample_followups' AND territory_code IN ('DE-BY', 'DE-BW') AND n > 0),
          'precondition: sample_followups has DE-BY and DE-BW rows');
SELECT ok((SELECT count(*) = 2 FROM expected_counts WHERE view = 'territory_pipeline' AND territory_code IN ('DE-BY', 'DE-BW') AND n > 0),
          'precondition: territory_pipeline has DE-BY and DE-BW rows');
SELECT ok((SELECT count(DISTINCT territory_code) > 2 FROM expected_keys WHERE view = 'customer_overview'),
          'precondition: there are customers in territories other than DE-BY and DE-BW');

-- ---------------------------------------------------------------------------------------------
-- One territory, as cutover_reader.
SET LOCAL ROLE cutover_reader;
SET LOCAL cutover.territories = 'DE-BY';
SELECT is(current_user::text, 'cutover_reader', 'running as cutover_reader');

SELECT set_eq('SELECT territory_code FROM read.customer_overview', ARRAY['DE-BY'],
              'DE-BY: read.customer_overview has only DE-BY rows');
SELECT is((SELECT count(*) FROM read.customer_overview),
          (SELECT n FROM expected_counts WHERE view = 'customer_overview' AND territory_code = 'DE-BY'),
          'DE-BY: read.customer_overview has as many rows as the table has DE-BY rows');
SELECT bag_eq('SELECT customer_id::text FROM read.customer_overview',
              $$SELECT key FROM expected_keys WHERE view = 'customer_overview' AND territory_code = 'DE-BY'$$,
              'DE-BY: read.customer_overview has exactly the DE-BY customers');

SELECT set_eq('SELECT territory_code FROM read.sample_followups', ARRAY['DE-BY'],
              'DE-BY: read.sample_followups has only DE-BY rows');
SELECT is((SELECT count(*) FROM read.sample_followups),
          (SELECT n FROM expected_counts WHERE view = 'sample_followups' AND territory_code = 'DE-BY'),
          'DE-BY: read.sample_followups has as many rows as the table has DE-BY rows');
SELECT bag_eq('SELECT sample_id::text FROM read.sample_followups',
              $$SELECT key FROM expected_keys WHERE view = 'sample_followups' AND territory_code = 'DE-BY'$$,
              'DE-BY: read.sample_followups has exactly the DE-BY samples');

SELECT set_eq('SELECT territory_code FROM read.territory_pipeline', ARRAY['DE-BY'],
              'DE-BY: read.territory_pipeline has only DE-BY rows');
SELECT is((SELECT count(*) FROM read.territory_pipeline),
          (SELECT n FROM expected_counts WHERE view = 'territory_pipeline' AND territory_code = 'DE-BY'),
          'DE-BY: read.territory_pipeline has as many rows as the table has DE-BY rows');
SELECT bag_eq($$SELECT territory_code || '/' || segment FROM read.territory_pipeline$$,
              $$SELECT key FROM expected_keys WHERE view = 'territory_pipeline' AND territory_code = 'DE-BY'$$,
              'DE-BY: read.territory_pipeline has exactly the DE-BY segments');

-- A filter on another territory finds nothing (the policy is ANDed with the query's own filter).
SELECT is_empty($$SELECT 1 FROM read.customer_overview WHERE territory_code = 'DE-BW'$$,
                'DE-BY: asking read.customer_overview for DE-BW finds nothing');
SELECT is_empty($$SELECT 1 FROM read.sample_followups WHERE territory_code <> 'DE-BY'$$,
                'DE-BY: asking read.sample_followups for other territories finds nothing');
SELECT is_empty($$SELECT 1 FROM read.territory_pipeline WHERE territory_code <> 'DE-BY'$$,
                'DE-BY: asking read.territory_pipeline for other territories finds nothing');

-- ---------------------------------------------------------------------------------------------
-- Two territories, set as the read API does (cutover.api_context, which cutover.api_read calls: role and the three
-- settings, transaction-locally). \gset swallows its output row.
SELECT set_config('role', 'cutover_reader', true) AS ignore_role,
       set_config('cutover.territories', 'DE-BY,DE-BW', true) AS ignore_territories,
       set_config('cutover.user_id', '', true) AS ignore_user_id,
       set_config('cutover.user_role', '', true) AS ignore_user_role \gset
SELECT is(current_user::text, 'cutover_reader', 'still cutover_reader after the read API''s context statement');

SELECT set_eq('SELECT territory_code FROM read.customer_overview', ARRAY['DE-BY', 'DE-BW'],
              'DE-BY,DE-BW: read.customer_overview has DE-BY and DE-BW rows and no others');
SELECT is((SELECT count(*) FROM read.customer_overview),
          (SELECT sum(n)::bigint FROM expected_counts WHERE view = 'customer_overview' AND territory_code IN ('DE-BY', 'DE-BW')),
          'DE-BY,DE-BW: read.customer_overview has as many rows as the table has in both');
SELECT results_eq('SELECT territory_code, count(*) FROM read.customer_overview GROUP BY 1 ORDER BY 1',
                  $$SELECT territory_code, n FROM expected_counts WHERE view = 'customer_overview'
                    AND territory_code IN ('DE-BY', 'DE-BW') ORDER BY 1$$,
                  'DE-BY,DE-BW: read.customer_overview rows per territory match the table');
SELECT bag_eq('SELECT customer_id::text FROM read.customer_overview',
              $$SELECT key FROM expected_keys WHERE view = 'customer_overview' AND territory_code IN ('DE-BY', 'DE-BW')$$,
              'DE-BY,DE-BW: read.customer_overview has exactly the customers of both');

SELECT set_eq('SELECT territory_code FROM read.sample_followups', ARRAY['DE-BY', 'DE-BW'],
              'DE-BY,DE-BW: read.sample_followups has DE-BY and DE-BW rows and no others');
SELECT is((SELECT count(*) FROM read.sample_followups),
          (SELECT sum(n)::bigint FROM expected_counts WHERE view = 'sample_followups' AND territory_code IN ('DE-BY', 'DE-BW')),
          'DE-BY,DE-BW: read.sample_followups has as many rows as the table has in both');
SELECT results_eq('SELECT territory_code, count(*) FROM read.sample_followups GROUP BY 1 ORDER BY 1',
                  $$SELECT territory_code, n FROM expected_counts WHERE view = 'sample_followups'
                    AND territory_code IN ('DE-BY', 'DE-BW') ORDER BY 1$$,
                  'DE-BY,DE-BW: read.sample_followups rows per territory match the table');
SELECT bag_eq('SELECT sample_id::text FROM read.sample_followups',
              $$SELECT key FROM expected_keys WHERE view = 'sample_followups' AND territory_code IN ('DE-BY', 'DE-BW')$$,
              'DE-BY,DE-BW: read.sample_followups has exactly the samples of both');

SELECT set_eq('SELECT territory_code FROM read.territory_pipeline', ARRAY['DE-BY', 'DE-BW'],
              'DE-BY,DE-BW: read.territory_pipeline has DE-BY and DE-BW rows and no others');
SELECT is((SELECT count(*) FROM read.territory_pipeline),
          (SELECT sum(n)::bigint FROM expected_counts WHERE view = 'territory_pipeline' AND territory_code IN ('DE-BY', 'DE-BW')),
          'DE-BY,DE-BW: read.territory_pipeline has as many rows as the table has in both');
SELECT results_eq('SELECT territory_code, count(*) FROM read.territory_pipeline GROUP BY 1 ORDER BY 1',
                  $$SELECT territory_code, n FROM expected_counts WHERE view = 'territory_pipeline'
                    AND territory_code IN ('DE-BY', 'DE-BW') ORDER BY 1$$,
                  'DE-BY,DE-BW: read.territory_pipeline rows per territory match the table');
SELECT bag_eq($$SELECT territory_code || '/' || segment FROM read.territory_pipeline$$,
              $$SELECT key FROM expected_keys WHERE view = 'territory_pipeline' AND territory_code IN ('DE-BY', 'DE-BW')$$,
              'DE-BY,DE-BW: read.territory_pipeline has exactly the segments of both');

-- Territory codes match exactly: no trimming, no case folding, no prefix match.
SET LOCAL cutover.territories = 'de-by';
SELECT is_empty('SELECT 1 FROM read.customer_overview', 'territories are case-sensitive: de-by sees nothing');
SET LOCAL cutover.territories = 'DE-BW, DE-BY';
SELECT set_eq('SELECT territory_code FROM read.customer_overview', ARRAY['DE-BW'],
              'territories are not trimmed: "DE-BW, DE-BY" sees DE-BW only');
SET LOCAL cutover.territories = 'DE';
SELECT is_empty('SELECT 1 FROM read.customer_overview', 'no prefix match: DE sees nothing');
SET LOCAL cutover.territories = '*';
SELECT is_empty('SELECT 1 FROM read.customer_overview', 'no wildcard in the database: * sees nothing (the API expands it)');

-- ---------------------------------------------------------------------------------------------
-- The connecting superuser reading the views is subject to the same policy (the views belong to
-- cutover_read_views, which neither owns the tables nor bypasses row-level security).
RESET ROLE;
SET LOCAL cutover.territories = 'DE-BY';
SELECT isnt(current_user::text, 'cutover_reader', 'back to the connecting user');
SELECT set_eq('SELECT territory_code FROM read.customer_overview', ARRAY['DE-BY'],
              'superuser, DE-BY: read.customer_overview has only DE-BY rows');
SELECT is((SELECT count(*) FROM read.customer_overview),
          (SELECT n FROM expected_counts WHERE view = 'customer_overview' AND territory_code = 'DE-BY'),
          'superuser, DE-BY: read.customer_overview has the DE-BY row count');
SELECT set_eq('SELECT territory_code FROM read.sample_followups', ARRAY['DE-BY'],
              'superuser, DE-BY: read.sample_followups has only DE-BY rows');
SELECT is((SELECT count(*) FROM read.sample_followups),
          (SELECT n FROM expected_counts WHERE view = 'sample_followups' AND territory_code = 'DE-BY'),
          'superuser, DE-BY: read.sample_followups has the DE-BY row count');
SELECT set_eq('SELECT territory_code FROM read.territory_pipeline', ARRAY['DE-BY'],
              'superuser, DE-BY: read.territory_pipeline has only DE-BY rows');
SELECT is((SELECT count(*) FROM read.territory_pipeline),
          (SELECT n FROM expected_counts WHERE view = 'territory_pipeline' AND territory_code = 'DE-BY'),
          'superuser, DE-BY: read.territory_pipeline has the DE-BY row count');

-- The owner reading the table directly sees more than DE-BY (the filter above is the policy).
SELECT cmp_ok((SELECT count(*) FROM live_customer_overview),
              '>', (SELECT count(*) FROM read.customer_overview),
              'the table owner reading the table directly sees more than the DE-BY rows');

-- Structure the isolation relies on.
SELECT ok((SELECT bool_and(c.relrowsecurity) FROM pg_class c
           WHERE c.oid IN (SELECT live_table::regclass FROM cutover.projection_checkpoint WHERE live_table IS NOT NULL)),
          'row-level security is enabled on every live read table');
SELECT is((SELECT count(*)::int FROM pg_policy p
           WHERE p.polrelid IN (SELECT live_table::regclass FROM cutover.projection_checkpoint WHERE live_table IS NOT NULL)
             AND p.polcmd = 'r' AND p.polpermissive),
          (SELECT count(*)::int FROM cutover.projection_checkpoint WHERE live_table IS NOT NULL),
          'each live read table has one permissive SELECT policy');
SELECT ok((SELECT bool_and(v.relowner = 'cutover_read_views'::regrole AND v.relowner <> t.relowner)
           FROM cutover.projection_checkpoint cp
           JOIN pg_class t ON t.oid = cp.live_table::regclass
           JOIN pg_class v ON v.oid = ('read.' || cp.projection)::regclass
           WHERE cp.live_table IS NOT NULL),
          'every read view belongs to cutover_read_views, which does not own its table');
SELECT ok((SELECT NOT rolsuper AND NOT rolbypassrls FROM pg_roles WHERE rolname = 'cutover_read_views'),
          'cutover_read_views is neither superuser nor BYPASSRLS');
SELECT ok((SELECT bool_and(NOT ('security_invoker=true' = ANY (coalesce(reloptions, '{}'))))
           FROM pg_class WHERE relnamespace = 'read'::regnamespace AND relkind = 'v'),
          'no read view is security_invoker (the policy is evaluated for the view owner)');

SELECT * FROM finish();
ROLLBACK;
