-- Engine step 4: change capture, both kinds. Which tables are captured is not decided here: it
-- follows the projections and is applied by `cutover projections apply` (publication membership
-- and replica identity in wal mode, one trigger per table in triggers mode), audited in
-- cutover.capture_audit. The mode is chosen at `cutover init --capture wal|triggers` and kept in
-- cutover.settings ('capture.mode').

-- wal: how far the capture relay got. Transactions whose commit ends at or before relayed_lsn are
-- in cutover.change_log. One row per slot (the slot is per database: cutover_<database oid>).
CREATE TABLE IF NOT EXISTS cutover.capture_relay (
    slot_name       text PRIMARY KEY,
    relayed_lsn     pg_lsn NOT NULL DEFAULT '0/0',
    relayed_at      timestamptz,
    relayed_changes bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION cutover.capture_slot_name() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'cutover_' || oid FROM pg_database WHERE datname = current_database()
$$;

-- wal: creates this database's capture slot if it is missing or was invalidated (it retained more
-- WAL than max_slot_wal_keep_size). created = true: changes before now were not captured, so the
-- projector rebuilds every projection once.
CREATE OR REPLACE FUNCTION cutover.ensure_capture_slot(OUT slot_name text, OUT created boolean) LANGUAGE plpgsql AS $$
DECLARE
    status text;
BEGIN
    slot_name := cutover.capture_slot_name();
    SELECT s.wal_status INTO status FROM pg_replication_slots s WHERE s.slot_name = ensure_capture_slot.slot_name;
    created := NOT FOUND OR status = 'lost';
    IF status = 'lost' THEN
        PERFORM pg_drop_replication_slot(slot_name);
    END IF;
    IF created THEN
        PERFORM pg_create_logical_replication_slot(slot_name, 'pgoutput');
    END IF;
    INSERT INTO cutover.capture_relay AS r (slot_name) VALUES (ensure_capture_slot.slot_name)
    ON CONFLICT ON CONSTRAINT capture_relay_pkey DO UPDATE
        SET relayed_lsn = CASE WHEN ensure_capture_slot.created THEN '0/0' ELSE r.relayed_lsn END;
END
$$;

-- triggers: at most one NOTIFY on cutover_changes per 20 ms for the whole database (all backends).
CREATE UNLOGGED SEQUENCE IF NOT EXISTS cutover.wakeup_bucket MINVALUE 0 START 0;

CREATE OR REPLACE FUNCTION cutover.capture_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('cutover.capture', true) = 'off' THEN
        RETURN NULL;
    END IF;
    INSERT INTO cutover.change_log (source_table, op) VALUES (TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 'T');
    RETURN NULL;
END
$$;

-- Every `cutover projections apply` that changed something: what it did, who, when.
CREATE TABLE IF NOT EXISTS cutover.capture_audit (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    by_user text NOT NULL DEFAULT session_user,
    mode    text NOT NULL CHECK (mode IN ('wal', 'triggers')),
    tables  text[] NOT NULL,
    plan    text[] NOT NULL
);

-- The capture mode chosen at init: 'wal', 'triggers', or NULL before init finished.
CREATE OR REPLACE FUNCTION cutover.capture_mode() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT s.value FROM cutover.settings s WHERE s.key = 'capture.mode'
$$;
