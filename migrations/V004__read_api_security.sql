-- phase: expand
-- Read API security: API tokens, the reader roles and the request context that the read tables'
-- row-level security policies evaluate. Fails closed: without a territory context a reader sees
-- no rows.
--
-- Roles (cluster-wide, created once; NOLOGIN, so only members can act as them):
--   cutover_reader      what the read API switches to for every request and what SQL readers are
--                       granted: SELECT on the views in schema "read", nothing else.
--   cutover_read_views  owns the views in schema "read". It is not the owner of the read tables, so
--                       the tables' RLS policies apply to every read through a view; readers never
--                       need (or get) access to the tables in schema "projection", where the
--                       unmasked contact details of protected leads live.
-- The migrating user (also the projector, which owns the read tables and writes them) becomes a
-- member of both so that it can create the views and the API can switch role per request.

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

-- The request context, as transaction-local settings that the read API sets per request
-- (set_config(..., true)):
--   cutover.territories  comma-separated territory codes the caller may read ("DE-BY,DE-BW")
--   cutover.user_id      the calling user's crm.users id (empty: no user)
--   cutover.user_role    that user's role (MANAGER sees protected leads' contacts)
-- Missing or empty settings mean: no territory, no user, no role. The functions are STABLE SQL,
-- so policies inline them and index scans on territory_code still apply.
CREATE OR REPLACE FUNCTION cutover.reader_territories() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_to_array(nullif(current_setting('cutover.territories', true), ''), ','), '{}'::text[])
$$;

CREATE OR REPLACE FUNCTION cutover.reader_user_id() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('cutover.user_id', true), '')::bigint
$$;

-- Lead protection: a lead protected today (protected_until >= current_date) shows its contact
-- details only to the protection's owner and to managers; everybody else in the territory sees
-- the customer with the contact fields masked (NULL). Never NULL itself: no user id means not the owner.
CREATE OR REPLACE FUNCTION cutover.reader_sees_contacts(protection_owner_id bigint, protected_until date)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(protection_owner_id IS NULL
                 OR protected_until IS NULL
                 OR protected_until < current_date
                 OR protection_owner_id = cutover.reader_user_id()
                 OR current_setting('cutover.user_role', true) = 'MANAGER', false)
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
    user_id     bigint REFERENCES crm.users ON DELETE CASCADE,
    label       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
