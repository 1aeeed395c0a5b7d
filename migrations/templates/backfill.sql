-- phase: migrate
-- description: {{description}}
-- Migrate: move data between the old and the new structure. Small data moves may run here in one
-- transaction; anything over a few thousand rows belongs in a batched backfill declared in
-- migrations/backfills/<name>.sql and run with `cutover backfill <name>` (keyset batches, each its
-- own short transaction, resumable). This file then only records that the move is part of the
-- plan, e.g. by checking it has happened:

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM crm.customers WHERE example_note IS NULL LIMIT 1) THEN
        RAISE EXCEPTION 'backfill "example_note" has not finished: run cutover backfill example_note';
    END IF;
END
$$;

-- rollback:
SELECT 1;
