-- Scratch objects for capture experiments (schema exp). Only for a throwaway dev cluster.
CREATE SCHEMA IF NOT EXISTS exp;
-- V003's wake-up, kept here so the V003 variant measures the same after V008 has replaced cutover.wakeup().
CREATE OR REPLACE FUNCTION exp.wakeup_v003() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    bucket bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint / 20;
BEGIN
    PERFORM set_config('cutover.wakeup_armed', 'on', true);
    IF (SELECT last_value FROM cutover.wakeup_bucket) < bucket THEN
        PERFORM setval('cutover.wakeup_bucket', bucket);
        PERFORM pg_notify('cutover_changes', '');
    END IF;
END $$;
-- V003's change log shape (with the CHECK, uncached identity).
CREATE TABLE IF NOT EXISTS exp.log_v003 (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    source_table text NOT NULL,
    op "char" NOT NULL CHECK (op IN ('I', 'U', 'D', 'T')),
    old_key jsonb, new_key jsonb,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp());
-- Leaner shape: no CHECK, no primary key, text[] keys.
CREATE TABLE IF NOT EXISTS exp.log_lean (
    id bigint GENERATED ALWAYS AS IDENTITY (CACHE 100),
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    source_table text NOT NULL, op "char" NOT NULL,
    old_key text[], new_key text[],
    created_at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE OR REPLACE FUNCTION exp.drop_capture() RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tgrelid::regclass AS t, tgname FROM pg_trigger
           WHERE NOT tgisinternal AND tgname IN ('cutover_capture', 'cutover_capture_update')
             AND tgrelid::regclass::text LIKE 'crm.%' LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.t);
  END LOOP;
END $$;
