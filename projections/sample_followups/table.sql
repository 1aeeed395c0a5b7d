-- sample_followups read table: one row per sample awaiting follow-up.
CREATE TABLE {{table}} (
    sample_id           bigint NOT NULL,
    customer_id         bigint NOT NULL,
    customer_name       text   NOT NULL,
    territory_code      text   NOT NULL,
    product             text   NOT NULL,
    sent_at             date   NOT NULL,
    follow_up_due       date   NOT NULL,
    contact_id          bigint,
    contact_name        text,
    contact_email       text,
    contact_phone       text,
    owner_id            bigint,
    owner_name          text,
    protection_owner_id bigint,
    protected_until     date,
    PRIMARY KEY (sample_id)
);

-- Follow-ups of a territory by due date (overdue first), keyset pagination on
-- (follow_up_due, sample_id).
CREATE INDEX {{name}}_territory_due ON {{table}} (territory_code, follow_up_due, sample_id);

-- A sales rep's own follow-ups by due date.
CREATE INDEX {{name}}_owner_due ON {{table}} (owner_id, follow_up_due, sample_id);

-- Row-level security, fail closed: a reader sees the rows of the territories in its request
-- context (cutover.reader_territories(), set per request by the read API) and nothing without one.
-- The projector owns the table and is not subject to it. Readers read through the view in schema
-- "read", which belongs to cutover_read_views (installed by `cutover init`).
ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {{name}}_territory ON {{table}} FOR SELECT USING (territory_code = ANY ((SELECT cutover.reader_territories())::text[]));
GRANT SELECT ON {{table}} TO cutover_read_views;
