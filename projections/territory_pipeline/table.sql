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
