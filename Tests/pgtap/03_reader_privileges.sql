-- What cutover_reader may touch: SELECT on the views in schema "read" and nothing else. It can
-- neither read nor write the physical read tables (schema projection, where the unmasked
-- contacts of protected leads live), the write tables (crm) or the bookkeeping tables (cutover,
-- API token hashes included), and it cannot write the views. The tables are enumerated from the
-- catalog, so a new table is covered without editing this file.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;
\ir include/setup.psql

-- Every table, view and materialized view in the schemas the reader must not touch.
CREATE TEMP TABLE denied ON COMMIT DROP AS
    SELECT format('%I.%I', n.nspname, c.relname) AS rel, n.nspname::text AS schema
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('crm', 'projection', 'cutover') AND c.relkind IN ('r', 'p', 'v', 'm')
      -- not pgTAP's own views, should pgTAP have been installed into one of these schemas
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e');
-- The views in schema "read", with the SQLSTATE a write is expected to fail with: 42501
-- (permission denied) where PostgreSQL could write through the view, 55000 (view not
-- automatically updatable) where it could not even do that.
CREATE TEMP TABLE read_views ON COMMIT DROP AS
    SELECT format('read.%I', c.relname) AS rel, c.relname::text AS name,
           CASE WHEN pg_relation_is_updatable(c.oid, false) & 8  <> 0 THEN '42501' ELSE '55000' END AS insert_state,
           CASE WHEN pg_relation_is_updatable(c.oid, false) & 4  <> 0 THEN '42501' ELSE '55000' END AS update_state,
           CASE WHEN pg_relation_is_updatable(c.oid, false) & 16 <> 0 THEN '42501' ELSE '55000' END AS delete_state,
           (SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = 1) AS first_column
    FROM pg_class c WHERE c.relnamespace = 'read'::regnamespace AND c.relkind = 'v';
GRANT SELECT ON denied, read_views TO cutover_reader;

SELECT plan(2 * (SELECT count(*)::int FROM denied) + 5 * (SELECT count(*)::int FROM read_views) + 14);

-- Preconditions: the enumeration found what matters.
SELECT ok((SELECT array_agg(rel) FROM denied) @> (
              SELECT array_agg(live_table) FROM cutover.projection_checkpoint WHERE live_table IS NOT NULL),
          'precondition: every live read table is among the denied relations');
SELECT ok((SELECT array_agg(rel) FROM denied) @> ARRAY['crm.customers', 'crm.contacts', 'crm.lead_protections',
                                                             'crm.users', 'cutover.api_tokens'],
          'precondition: crm.customers, contacts, lead_protections, users and cutover.api_tokens are among them');
SELECT set_eq('SELECT name FROM read_views', ARRAY['contact_directory', 'customer_overview', 'sample_followups', 'territory_pipeline'],
              'precondition: the four read views exist');

-- Role attributes and memberships (catalog facts, checked as the connecting user).
SELECT ok((SELECT NOT rolsuper AND NOT rolbypassrls FROM pg_roles WHERE rolname = 'cutover_reader'),
          'cutover_reader is neither superuser nor BYPASSRLS');
SELECT ok(NOT pg_has_role('cutover_reader', 'cutover_read_views', 'USAGE'),
          'cutover_reader does not have the privileges of cutover_read_views (the views'' owner)');
SELECT ok(NOT (SELECT bool_or(pg_has_role('cutover_reader', c.relowner, 'USAGE')) FROM pg_class c
               WHERE c.oid IN (SELECT live_table::regclass FROM cutover.projection_checkpoint WHERE live_table IS NOT NULL)),
          'cutover_reader does not have the privileges of the read tables'' owner');
SELECT schema_privs_are('read', 'cutover_reader', ARRAY['USAGE'], 'cutover_reader may use schema read, not create in it');
SELECT schema_privs_are('projection', 'cutover_reader', '{}'::text[], 'cutover_reader has no privileges on schema projection');
SELECT schema_privs_are('crm', 'cutover_reader', '{}'::text[], 'cutover_reader has no privileges on schema crm');
SELECT schema_privs_are('cutover', 'cutover_reader', ARRAY['USAGE'], 'cutover_reader may use schema cutover (its functions), not create in it');

SELECT table_privs_are('read', name, 'cutover_reader', ARRAY['SELECT'],
                       format('cutover_reader has SELECT and nothing else on read.%s', name))
FROM read_views ORDER BY name;

-- ---------------------------------------------------------------------------------------------
SET LOCAL ROLE cutover_reader;
SET LOCAL cutover.territories = 'DE-BY';
SELECT is(current_user::text, 'cutover_reader', 'running as cutover_reader');

SELECT lives_ok(format('SELECT * FROM %s LIMIT 1', rel), format('cutover_reader can read %s', rel))
FROM read_views ORDER BY name;

SELECT throws_ok(format('SELECT 1 FROM %s LIMIT 1', rel), '42501', NULL,
                 format('cutover_reader cannot read %s (42501)', rel))
FROM denied ORDER BY schema, rel;

SELECT throws_ok(format('DELETE FROM %s', rel), '42501', NULL,
                 format('cutover_reader cannot delete from %s (42501)', rel))
FROM denied ORDER BY schema, rel;

SELECT throws_ok(format('INSERT INTO %s (%I) VALUES (DEFAULT)', rel, first_column), insert_state, NULL,
                 format('cutover_reader cannot insert into %s (%s)', rel, insert_state))
FROM read_views ORDER BY name;
SELECT throws_ok(format('UPDATE %s SET %I = %I', rel, first_column, first_column), update_state, NULL,
                 format('cutover_reader cannot update %s (%s)', rel, update_state))
FROM read_views ORDER BY name;
SELECT throws_ok(format('DELETE FROM %s', rel), delete_state, NULL,
                 format('cutover_reader cannot delete from %s (%s)', rel, delete_state))
FROM read_views ORDER BY name;

-- The write path is closed by the missing privilege, not by an empty territory context.
SELECT throws_ok('UPDATE read.territory_pipeline SET revenue = 0', '42501', NULL,
                 'cutover_reader cannot update read.territory_pipeline even where it sees rows');
SELECT throws_ok('CREATE VIEW read.pgtap_probe AS SELECT 1 AS x', '42501', NULL,
                 'cutover_reader cannot create objects in schema read');
SELECT throws_ok('CREATE TABLE projection.pgtap_probe (x int)', '42501', NULL,
                 'cutover_reader cannot create objects in schema projection');

SELECT * FROM finish();
ROLLBACK;
