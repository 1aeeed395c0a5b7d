-- expect: concurrently-in-transaction
-- phase: expand
-- transaction: none
-- The header is right, but an explicit BEGIN puts the index build back into a transaction.
BEGIN;
CREATE INDEX CONCURRENTLY samples_follow_up_due_idx ON crm.samples (follow_up_due);
COMMIT;
