-- phase: expand
-- description: {{description}}
-- Expand: add only. New tables, nullable columns, shadow tables, triggers, indexes built
-- CONCURRENTLY in their own file (-- transaction: none). Nothing that rewrites or blocks an
-- existing table for long; `cutover migrate lint` checks. Every statement runs with lock_timeout
-- (default 1 s) and is retried with backoff.

CREATE TABLE IF NOT EXISTS crm.example (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note       text,
    created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE crm.customers ADD COLUMN IF NOT EXISTS example_note text;

-- rollback:
ALTER TABLE crm.customers DROP COLUMN IF EXISTS example_note;
DROP TABLE IF EXISTS crm.example;
