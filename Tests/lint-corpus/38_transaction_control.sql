-- expect: transaction-control, transaction-control
-- phase: migrate
-- A file written for psql: its own BEGIN/COMMIT inside the runner's transaction.
BEGIN;
UPDATE crm.customers SET status = 'INACTIVE' WHERE status = 'PROSPECT' AND created_at < now() - interval '5 years';
COMMIT;
