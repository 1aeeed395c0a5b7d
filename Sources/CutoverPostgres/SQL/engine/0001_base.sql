-- Engine step 1: the schemas, the engine's settings and the bookkeeping of the projector, the
-- migrator and backfills. Installed by `cutover init`; the step runs in one transaction together
-- with its row in cutover.engine_version.

CREATE SCHEMA IF NOT EXISTS cutover;
CREATE SCHEMA IF NOT EXISTS projection;
CREATE SCHEMA IF NOT EXISTS read;

-- Engine settings written by `cutover init` / `cutover upgrade`: the capture mode chosen at init
-- and the application's directory queries (readers.territories, readers.users in cutover.yaml).
CREATE TABLE IF NOT EXISTS cutover.settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT session_user
);

-- The durable change log: which row of which table changed (its key columns, old and new), in which
-- transaction. The projector reads rows whose transactions are final (xid8 snapshots), recomputes the keys
-- they map to and prunes what every projection has processed.
CREATE TABLE IF NOT EXISTS cutover.change_log (
    id           bigint GENERATED ALWAYS AS IDENTITY (CACHE 100) PRIMARY KEY,
    xid          xid8 NOT NULL DEFAULT pg_current_xact_id(),
    source_table text NOT NULL,
    op           "char" NOT NULL,
    old_key      jsonb,
    new_key      jsonb,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Per projection: the snapshot whose visible changes are all applied (base), the range being worked on
-- (target, after_id) and counters for status and lag.
CREATE TABLE IF NOT EXISTS cutover.projection_checkpoint (
    projection        text PRIMARY KEY,
    version           integer NOT NULL,
    live_table        text NOT NULL,
    base_snapshot     pg_snapshot NOT NULL,
    target_snapshot   pg_snapshot,
    after_id          bigint NOT NULL DEFAULT 0,
    needs_rebuild     boolean NOT NULL DEFAULT false,
    processed_changes bigint NOT NULL DEFAULT 0,
    recomputed_keys   bigint NOT NULL DEFAULT 0,
    last_batch_at     timestamptz,
    last_change_at    timestamptz,
    built_at          timestamptz NOT NULL DEFAULT now()
);

-- Keys whose recompute failed; the projector continues with the others. `cutover projector retry`.
CREATE TABLE IF NOT EXISTS cutover.dead_letters (
    projection      text NOT NULL,
    key             text NOT NULL,
    error           text NOT NULL,
    sqlstate        text,
    attempts        integer NOT NULL DEFAULT 1,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, key)
);

-- Bulk loads (cutover seed) keep their changes out of capture and ask for full rebuilds instead.
CREATE OR REPLACE FUNCTION cutover.request_rebuild_all() RETURNS void LANGUAGE sql AS $$
    UPDATE cutover.projection_checkpoint SET needs_rebuild = true
$$;

-- One row per rebuild, its step and progress, and the replaced table with the time it may be dropped.
CREATE TABLE IF NOT EXISTS cutover.projection_rebuilds (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    projection   text NOT NULL,
    version      integer NOT NULL,
    shadow_table text NOT NULL,
    status       text NOT NULL CHECK (status IN ('filling', 'catching_up', 'verifying', 'swapped', 'failed', 'cleaned')),
    keys_total   bigint NOT NULL DEFAULT 0,
    keys_done    bigint NOT NULL DEFAULT 0,
    old_table    text,
    drop_after   timestamptz,
    detail       text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);

-- The migrator: one row per applied versioned file (who, when, duration, checksum, and the reason
-- when a blackout was overridden).
CREATE TABLE IF NOT EXISTS cutover.schema_history (
    version           integer PRIMARY KEY,
    name              text NOT NULL,
    filename          text NOT NULL,
    phase             text NOT NULL CHECK (phase IN ('expand', 'migrate', 'contract')),
    checksum          text NOT NULL,
    applied_by        text NOT NULL,
    applied_at        timestamptz NOT NULL DEFAULT now(),
    duration_ms       integer NOT NULL,
    blackout_override text
);

-- The checksum each R__ file was last applied with.
CREATE TABLE IF NOT EXISTS cutover.repeatable_history (
    filename     text PRIMARY KEY,
    checksum     text NOT NULL,
    applied_by   text NOT NULL,
    applied_at   timestamptz NOT NULL DEFAULT now(),
    duration_ms  integer NOT NULL
);

-- How far a non-transactional file got, so a rerun resumes.
CREATE TABLE IF NOT EXISTS cutover.migration_progress (
    version          integer PRIMARY KEY,
    filename         text NOT NULL,
    checksum         text NOT NULL,
    statements_done  integer NOT NULL,
    statements_total integer NOT NULL,
    done_hash        text NOT NULL,
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Every apply, rollback, repair, baseline and override, append-only, for audit.
CREATE TABLE IF NOT EXISTS cutover.migration_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    action      text NOT NULL CONSTRAINT migration_log_action_check
                CHECK (action IN ('apply', 'repeatable', 'rollback', 'repair', 'forget', 'reset_progress', 'baseline')),
    version     integer,
    filename    text NOT NULL,
    checksum    text,
    by          text NOT NULL,
    duration_ms integer,
    detail      text
);

-- Backfills: the runner updates a row in the same transaction as the batch it describes.
CREATE TABLE IF NOT EXISTS cutover.backfill_progress (
    name             text NOT NULL,
    partition        text NOT NULL DEFAULT '',
    checksum         text NOT NULL,
    last_key         bigint,
    rows_done        bigint NOT NULL DEFAULT 0,
    rows_changed     bigint NOT NULL DEFAULT 0,
    batches          bigint NOT NULL DEFAULT 0,
    longest_batch_ms double precision NOT NULL DEFAULT 0,
    started_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    status           text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished')),
    PRIMARY KEY (name, partition)
);
