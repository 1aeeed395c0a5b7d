-- phase: contract
-- transaction: none
-- description: {{description}}
-- Contract: remove what only the legacy readers used, once every module reads the read model.
-- Irreversible: `cutover migrate rollback` stops before contract files. Declare the conditions
-- that must hold before it may run as guard lines in this header, for example
--   guard: flag customer_reads = read_model for all modules stable 24h
--   guard: verify clean
-- (written as "-- guard: …"). Blackout periods usually deny this phase.

DROP INDEX CONCURRENTLY IF EXISTS crm.example_legacy_idx;
