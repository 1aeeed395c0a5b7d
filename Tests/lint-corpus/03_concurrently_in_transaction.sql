-- expect: concurrently-in-transaction
-- phase: expand
-- Forgot the `transaction: none` header: the runner wraps the file in one transaction.
CREATE INDEX CONCURRENTLY activities_occurred_at_idx ON crm.activities (occurred_at);
