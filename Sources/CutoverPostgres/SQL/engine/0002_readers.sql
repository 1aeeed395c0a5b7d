-- Engine step 2: who reads. The reader roles, SQL readers bound to their login, API tokens and the
-- request context that the read tables' row-level security policies and the masking evaluate.
-- Fails closed: without a territory context a reader sees no rows.
--
-- Roles (cluster-wide, created once; NOLOGIN, so only members can act as them):
--   cutover_reader      what the read API switches to for every request and what SQL readers are
--                       granted: SELECT on the views in schema "read", nothing else.
--   cutover_api         may assert a caller's context (see below); granted to the engine's user.
--   cutover_read_views  owns the views in schema "read". It is not the owner of the read tables, so
--                       the tables' RLS policies apply to every read through a view; readers never
--                       need (or get) access to the tables in schema "projection".
-- The installing user (also the projector, which owns the read tables and writes them) becomes a
-- member of all three so that it can create the views and the API can switch role per request.
--
-- The application's directory: which territories exist ('*' grants) and who its users are (id,
-- e-mail, manager), as two queries the application names in cutover.yaml (readers.territories,
-- readers.users) and `cutover init` / `upgrade` store in cutover.settings. Without them, '*' means
-- no territory and nobody is a manager (fail closed).

CREATE OR REPLACE FUNCTION cutover.directory_territories() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    query text := (SELECT s.value FROM cutover.settings s WHERE s.key = 'readers.territories');
    result text[];
BEGIN
    IF query IS NULL THEN
        RETURN '{}'::text[];
    END IF;
    EXECUTE format('SELECT coalesce(array_agg(d.code::text ORDER BY d.code::text), ''{}'') FROM (%s) AS d(code)', query) INTO result;
    RETURN result;
END
$$;

-- The directory's user whose id or e-mail address (case-insensitive) is p_user, or no row.
CREATE OR REPLACE FUNCTION cutover.directory_find_user(p_user text, OUT id bigint, OUT email text, OUT is_manager boolean)
RETURNS SETOF record LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    query text := (SELECT s.value FROM cutover.settings s WHERE s.key = 'readers.users');
BEGIN
    IF query IS NULL OR p_user IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE format('SELECT d.id::bigint, d.email::text, coalesce(d.is_manager::boolean, false) FROM (%s) AS d(id, email, is_manager) WHERE d.id::text = $1 OR lower(d.email::text) = lower($1)', query) USING p_user;
END
$$;

-- The directory's user with id p_id, or no row.
CREATE OR REPLACE FUNCTION cutover.directory_user(p_id bigint, OUT id bigint, OUT email text, OUT is_manager boolean)
RETURNS SETOF record LANGUAGE sql STABLE AS $$
    SELECT u.id, u.email, u.is_manager FROM cutover.directory_find_user(p_id::text) u WHERE u.id = p_id
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cutover_reader') THEN
        BEGIN
            CREATE ROLE cutover_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- created concurrently
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cutover_read_views') THEN
        BEGIN
            CREATE ROLE cutover_read_views NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
END
$$;

GRANT cutover_reader TO CURRENT_USER;
GRANT cutover_read_views TO CURRENT_USER;

GRANT USAGE ON SCHEMA read TO cutover_reader;
GRANT USAGE, CREATE ON SCHEMA read TO cutover_read_views;
GRANT USAGE ON SCHEMA projection TO cutover_read_views;
GRANT USAGE ON SCHEMA cutover TO cutover_read_views, cutover_reader;

-- Who may assert a caller's context. cutover_api (NOLOGIN) is granted to the engine's own user,
-- which runs the read API: the API authenticates a token and sets that token's context. Every
-- other login (a SQL reader of a business module) gets the access recorded for its login role in
-- cutover.sql_readers (`cutover readers create`), and settings can only narrow it.
DO $$
BEGIN
    FOR attempt IN 1..100 LOOP
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cutover_api') THEN
                CREATE ROLE cutover_api NOLOGIN;
            END IF;
            RETURN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            PERFORM pg_sleep(0.05);
        END;
    END LOOP;
END
$$;
GRANT cutover_api TO CURRENT_USER;

-- SQL readers: one login role per business module reader, with the territories ('{*}': all) and
-- the CRM user it reads as. No foreign key on user_id: a deleted user leaves the grant in place
-- but fail closed (no user, no manager: protected contacts stay masked).
CREATE TABLE IF NOT EXISTS cutover.sql_readers (
    role_name   text PRIMARY KEY,
    module      text NOT NULL CHECK (module ~ '^0[1-8]$'),
    territories text[] NOT NULL CHECK (cardinality(territories) > 0),
    user_id     bigint,
    label       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT session_user,
    rotated_at  timestamptz,
    revoked_at  timestamptz
);

-- Who created, rotated or revoked which reader, when and why (append-only).
CREATE TABLE IF NOT EXISTS cutover.sql_reader_audit (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_name text NOT NULL,
    action    text NOT NULL CHECK (action IN ('create', 'rotate', 'revoke')),
    detail    text,
    by_user   text NOT NULL DEFAULT session_user,
    at        timestamptz NOT NULL DEFAULT now()
);

-- The request context the read tables' policies and the masking evaluate.
--   The engine's user (a member of cutover_api, e.g. the read API): the transaction-local
--   settings it sets per request (set_config(..., true)):
--     cutover.territories  comma-separated territory codes the caller may read ("DE-BY,DE-BW")
--     cutover.user_id      the calling user's id in the application's directory (empty: no user)
--     cutover.user_role    that user's role (MANAGER sees protected leads' contacts)
--   Any other session: its login role's grant in cutover.sql_readers (session_user, which SET
--   ROLE cannot change). cutover.territories may narrow the granted territories (a territory not
--   granted yields no rows of it); user and manager come from the grant and the directory only.
-- Missing or empty settings, no grant or a revoked one mean: no territory, no user, no role.
-- SECURITY DEFINER, so a reader needs no access to the grants; policies call it through a
-- scalar sub-select, which PostgreSQL evaluates once per statement.
CREATE OR REPLACE FUNCTION cutover.reader_context(OUT territories text[], OUT user_id bigint, OUT is_manager boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    requested text[] := coalesce(string_to_array(nullif(current_setting('cutover.territories', true), ''), ','), '{}'::text[]);
    granted cutover.sql_readers;
BEGIN
    is_manager := false;
    IF pg_has_role(session_user, 'cutover_api', 'MEMBER') THEN
        territories := requested;
        user_id := nullif(current_setting('cutover.user_id', true), '')::bigint;
        is_manager := coalesce(current_setting('cutover.user_role', true) = 'MANAGER', false);
        RETURN;
    END IF;
    SELECT * INTO granted FROM cutover.sql_readers r WHERE r.role_name = session_user AND r.revoked_at IS NULL;
    IF NOT FOUND THEN
        territories := '{}'::text[];
        RETURN;
    END IF;
    IF granted.territories = '{*}'::text[] THEN
        territories := CASE WHEN cardinality(requested) > 0 THEN requested
                            ELSE cutover.directory_territories() END;
    ELSIF cardinality(requested) > 0 THEN
        territories := ARRAY(SELECT unnest(granted.territories) INTERSECT SELECT unnest(requested));
    ELSE
        territories := granted.territories;
    END IF;
    SELECT u.id, coalesce(u.is_manager, false) INTO user_id, is_manager FROM cutover.directory_user(granted.user_id) u WHERE u.id IS NOT NULL;
    is_manager := coalesce(is_manager, false);
END
$$;

-- The parts of the context, for policies: use them as scalar sub-selects, e.g.
-- territory_code = ANY ((SELECT cutover.reader_territories())::text[]) (the cast keeps the
-- sub-select an expression, not an ANY (subquery)), so each is evaluated once.
CREATE OR REPLACE FUNCTION cutover.reader_territories() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT (cutover.reader_context()).territories
$$;

CREATE OR REPLACE FUNCTION cutover.reader_user_id() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT (cutover.reader_context()).user_id
$$;

CREATE OR REPLACE FUNCTION cutover.reader_is_manager() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (cutover.reader_context()).is_manager
$$;

-- Lead protection: a lead protected today (protected_until >= current_date) shows its contact
-- details only to the protection's owner and to managers; everybody else in the territory sees
-- the customer with the contact fields masked (NULL). Never NULL itself: no user id means not the
-- owner. The four-argument form takes the reader's user and role (pass the sub-selects above, so
-- a view evaluates the context once); it decides nothing about who the reader is.
CREATE OR REPLACE FUNCTION cutover.reader_sees_contacts(protection_owner_id bigint, protected_until date,
                                                         reader_user_id bigint, reader_is_manager boolean)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(protection_owner_id IS NULL
                 OR protected_until IS NULL
                 OR protected_until < current_date
                 OR protection_owner_id = reader_user_id
                 OR reader_is_manager, false)
$$;

-- The same for the current reader (evaluates the context per call: for a few rows).
CREATE OR REPLACE FUNCTION cutover.reader_sees_contacts(protection_owner_id bigint, protected_until date)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT cutover.reader_sees_contacts(protection_owner_id, protected_until, cutover.reader_user_id(), cutover.reader_is_manager())
$$;

-- API tokens: only the SHA-256 of a token is stored; the token itself is shown once by
-- `cutover tokens create`. territories '{*}' means every territory (ops and admin tokens).
CREATE TABLE IF NOT EXISTS cutover.api_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    prefix      text NOT NULL,
    module      text NOT NULL CHECK (module ~ '^0[1-8]$'),
    role        text NOT NULL CHECK (role IN ('reader', 'ops', 'admin')),
    territories text[] NOT NULL CHECK (cardinality(territories) > 0),
    user_id     bigint,
    label       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- The read API's per-request context: role cutover_reader and the caller's territories, user and
-- role, all transaction-local, so nothing outlives the statement's transaction on a pooled
-- connection. Read functions call it first.
CREATE OR REPLACE FUNCTION cutover.api_context(p_territories text, p_user_id text, p_user_role text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('cutover.territories', coalesce(p_territories, ''), true),
            set_config('cutover.user_id', coalesce(p_user_id, ''), true),
            set_config('cutover.user_role', coalesce(p_user_role, ''), true),
            set_config('role', 'cutover_reader', true);
END
$$;
