-- customer_overview read table: one row per customer (see recompute.sql for the semantics).
CREATE TABLE {{table}} (
    customer_id                bigint        NOT NULL,
    name                       text          NOT NULL,
    segment                    text          NOT NULL,
    status                     text          NOT NULL,
    territory_code             text          NOT NULL,
    street                     text,
    postal_code                text,
    city                       text,
    owner_id                   bigint,
    owner_name                 text,
    protection_owner_id        bigint,
    protection_owner_name      text,
    protected_until            date,
    chef_contact_id            bigint,
    chef_name                  text,
    chef_email                 text,
    chef_phone                 text,
    buyer_contact_id           bigint,
    buyer_name                 text,
    buyer_email                text,
    buyer_phone                text,
    gf_contact_id              bigint,
    gf_name                    text,
    gf_email                   text,
    gf_phone                   text,
    last_sample_id             bigint,
    last_sample_product        text,
    last_sample_sent_at        date,
    last_sample_feedback       text,
    last_sample_rating         smallint,
    last_sample_follow_up_due  date,
    last_sample_followed_up_at date,
    order_count                integer       NOT NULL,
    revenue                    numeric(14,2) NOT NULL,
    last_order_at              date,
    last_order_net_amount      numeric(12,2),
    last_activity_kind         text,
    last_activity_at           timestamptz,
    last_activity_user_name    text,
    PRIMARY KEY (customer_id)
);

-- A territory's customers in id order (the API's default, stable under writes): keyset after $id.
-- Also serves a segment and/or status filter in id order.
CREATE INDEX {{name}}_territory_id ON {{table}} (territory_code, customer_id);

-- Top customers of a territory: ORDER BY revenue DESC, customer_id (the legacy order).
-- Keyset pagination after ($r, $id): WHERE territory_code = $1 AND revenue <= $r
-- AND (revenue < $r OR customer_id > $id); revenue <= $r bounds the index scan. (Deep in a
-- large tie, e.g. the many customers with revenue 0, UNION ALL the two bounded branches
-- "revenue = $r AND customer_id > $id" and "revenue < $r" instead.)
-- Also serves a segment and/or status filter that is not too selective.
CREATE INDEX {{name}}_territory_revenue ON {{table}} (territory_code, revenue DESC, customer_id);

-- Same list filtered by segment (with or without an additional status filter).
CREATE INDEX {{name}}_territory_segment_revenue ON {{table}} (territory_code, segment, revenue DESC, customer_id);

-- Same list filtered by status only (e.g. the leads or the inactive customers of a territory).
CREATE INDEX {{name}}_territory_status_revenue ON {{table}} (territory_code, status, revenue DESC, customer_id);

-- An owner's customers of a territory in id order (GET /v1/visits/due, keyset after $id): a page
-- reads the owner's few hundred customers instead of the whole territory. Added after v2 was
-- deployed: a database built before gets it with `cutover rebuild customer_overview`.
CREATE INDEX {{name}}_territory_owner_id ON {{table}} (territory_code, owner_id, customer_id);

-- Row-level security, fail closed: a reader sees the rows of the territories in its request
-- context (cutover.reader_territories(), set per request by the read API) and nothing without one.
-- The projector owns the table and is not subject to it. Readers read through the view in schema
-- "read", which belongs to cutover_read_views (installed by `cutover init`).
ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {{name}}_territory ON {{table}} FOR SELECT USING (territory_code = ANY ((SELECT cutover.reader_territories())::text[]));
GRANT SELECT ON {{table}} TO cutover_read_views;
