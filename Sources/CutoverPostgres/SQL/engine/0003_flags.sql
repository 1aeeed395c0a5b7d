-- Engine step 3: feature flags with an audit trail; read-usage counts, verify results and shadow
-- mismatches for contract guards and automatic rollback.
--
-- cutover.flags holds one row per flag; its value is a JSON document
--   {"rule": {"variant": "legacy", "percent": 100}, "modules": {"02": {"variant": "shadow", "percent": 100}}}
-- Every change increments version and must write the cutover.flag_audit row of that version in
-- the same transaction: a deferred constraint trigger refuses the commit otherwise, so no tool
-- (nor a hand-written UPDATE) can change a flag without an audit row. Audit rows cannot be
-- changed or deleted. A change notifies channel cutover_flags (payload: the flag name), which
-- every API instance LISTENs on; they also reload periodically. The application's flags are
-- created with `cutover flags create` (or its own migration), never by the engine.
--
-- cutover.read_usage counts reads per minute, view, module and source (flushed by the API), so
-- a contract guard can ask "no legacy reads of customer_reads for 24h". cutover.verify_runs
-- records each `cutover verify`, so a guard can ask for a recent clean one.
-- cutover.shadow_mismatches keeps the confirmed shadow mismatches (key and differing fields).

CREATE TABLE cutover.flags (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{1,62}$'),
    kind text NOT NULL CHECK (kind IN ('reader', 'boolean')),
    views text[] NOT NULL DEFAULT '{}',
    description text NOT NULL DEFAULT '',
    value jsonb NOT NULL CHECK (jsonb_typeof(value -> 'rule') = 'object' AND jsonb_typeof(value -> 'modules') = 'object'),
    version bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT current_user,
    CHECK (kind = 'reader' OR views = '{}')
);

CREATE TABLE cutover.flag_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flag text NOT NULL REFERENCES cutover.flags (name),
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text NOT NULL,
    old_value jsonb,
    new_value jsonb NOT NULL,
    reason text NOT NULL CHECK (btrim(reason) <> ''),
    automatic boolean NOT NULL DEFAULT false,
    UNIQUE (flag, version)
);

CREATE FUNCTION cutover.flag_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'cutover.flag_audit is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER flag_audit_append_only BEFORE UPDATE OR DELETE ON cutover.flag_audit
    FOR EACH ROW EXECUTE FUNCTION cutover.flag_audit_append_only();

CREATE FUNCTION cutover.flags_require_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cutover.flag_audit a WHERE a.flag = NEW.name AND a.version = NEW.version) THEN
        RAISE EXCEPTION 'flag % changed to version % without its audit row', NEW.name, NEW.version
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER flags_require_audit AFTER INSERT OR UPDATE ON cutover.flags
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cutover.flags_require_audit();

CREATE FUNCTION cutover.flags_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cutover_flags', NEW.name);
    RETURN NULL;
END $$;

CREATE TRIGGER flags_notify AFTER INSERT OR UPDATE ON cutover.flags
    FOR EACH ROW EXECUTE FUNCTION cutover.flags_notify();

CREATE TABLE cutover.read_usage (
    minute timestamptz NOT NULL,
    view text NOT NULL,
    module text NOT NULL,
    source text NOT NULL CHECK (source IN ('legacy', 'read-model')),
    reads bigint NOT NULL CHECK (reads >= 0),
    PRIMARY KEY (minute, view, module, source)
);

CREATE TABLE cutover.verify_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    projection text NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    full_run boolean NOT NULL,
    clean boolean NOT NULL,
    rows_compared bigint NOT NULL,
    drift bigint NOT NULL,
    run_by text NOT NULL DEFAULT current_user
);

CREATE INDEX verify_runs_projection ON cutover.verify_runs (projection, finished_at DESC);

CREATE TABLE cutover.shadow_mismatches (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seen_at timestamptz NOT NULL DEFAULT now(),
    flag text NOT NULL,
    view text NOT NULL,
    module text NOT NULL,
    key text NOT NULL,
    fields text[] NOT NULL
);

CREATE INDEX shadow_mismatches_seen ON cutover.shadow_mismatches (seen_at DESC);
