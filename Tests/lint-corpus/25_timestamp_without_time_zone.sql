-- expect: prefer-timestamptz
-- phase: expand
-- An appointment table storing local wall-clock times without an offset.
CREATE TABLE crm.delivery_windows (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    starts_at  timestamp NOT NULL,
    ends_at    timestamp with time zone NOT NULL
);
