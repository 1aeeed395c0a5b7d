-- territory_pipeline read table: one row per territory and segment that has customers.
CREATE TABLE {{table}} (
    territory_code             text          NOT NULL,
    segment                    text          NOT NULL,
    customers_total            integer       NOT NULL,
    leads                      integer       NOT NULL,
    prospects                  integer       NOT NULL,
    active                     integer       NOT NULL,
    inactive                   integer       NOT NULL,
    protected_leads            integer       NOT NULL,
    max_protected_until        date,
    samples_awaiting_follow_up integer       NOT NULL,
    next_follow_up_due         date,
    order_count                integer       NOT NULL,
    revenue                    numeric(14,2) NOT NULL,
    PRIMARY KEY (territory_code, segment)
);

-- Row-level security, fail closed: a reader sees the rows of the territories in its request
-- context (cutover.reader_territories(), set per request by the read API) and nothing without one.
-- The projector owns the table and is not subject to it. Readers read through the view in schema
-- "read", which belongs to cutover_read_views (installed by `cutover init`).
ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {{name}}_territory ON {{table}} FOR SELECT USING (territory_code = ANY ((SELECT cutover.reader_territories())::text[]));
GRANT SELECT ON {{table}} TO cutover_read_views;
