-- expect: prefer-identity
-- phase: expand
-- A new table the old way.
CREATE TABLE crm.tags (
    id   serial PRIMARY KEY,
    name text NOT NULL
);
