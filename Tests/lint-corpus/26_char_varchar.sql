-- expect: prefer-text, prefer-text
-- phase: expand
-- A supplier table with fixed-width codes and a length-limited name.
CREATE TABLE crm.suppliers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    country      char(2) NOT NULL,
    name         varchar(100) NOT NULL,
    notes        varchar,
    "char"       text
);
