-- phase: contract
-- transaction: none
-- description: {{description}}
-- Contract: remove what only the legacy readers used, once every module reads the read model.
-- Irreversible: `cutover migrate rollback` stops before contract files. Declare the conditions
-- that must hold before it may run as guard lines in this header, for example
--   · guard: flag customer_reads = read_model for all modules
--   · guard: flag customer_reads stable for 24h
--   · guard: verify customer_overview clean within 24h
--   · guard: no legacy reads of customer_reads for 24h
--   · guard: outside blackout
-- (written as "-- guard: …"). Blackout periods usually deny this phase.

DROP INDEX CONCURRENTLY IF EXISTS crm.example_legacy_idx;
