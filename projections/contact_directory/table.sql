-- contact_directory read table: one row per contact (see recompute.sql for the semantics).
CREATE TABLE {{table}} (
    contact_id          bigint  NOT NULL,
    role                text    NOT NULL,
    contact_name        text    NOT NULL,
    contact_email       text,
    contact_phone       text,
    is_primary          boolean NOT NULL,
    customer_id         bigint  NOT NULL,
    customer_name       text    NOT NULL,
    segment             text    NOT NULL,
    status              text    NOT NULL,
    territory_code      text    NOT NULL,
    city                text,
    owner_id            bigint,
    protection_owner_id bigint,
    protected_until     date,
    PRIMARY KEY (contact_id)
);

-- A territory's contacts in id order (GET /v1/contacts, keyset after $id).
CREATE INDEX {{name}}_territory_id ON {{table}} (territory_code, contact_id);

-- The same list for one role (role=CHEF|BUYER|GF), keyset after $id.
CREATE INDEX {{name}}_territory_role_id ON {{table}} (territory_code, role, contact_id);

-- Row-level security, fail closed: a reader sees the rows of the territories in its request
-- context (cutover.reader_territories(), set per request by the read API) and nothing without one.
-- The projector owns the table and is not subject to it. Readers read through the view in schema
-- "read", which belongs to cutover_read_views (installed by `cutover init`).
ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {{name}}_territory ON {{table}} FOR SELECT USING (territory_code = ANY ((SELECT cutover.reader_territories())::text[]));
GRANT SELECT ON {{table}} TO cutover_read_views;
