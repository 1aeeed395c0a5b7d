-- expect: none
-- phase: expand
-- The value alone; the backfill that uses it comes in a later migration.
ALTER TYPE crm.activity_kind ADD VALUE IF NOT EXISTS 'VIDEO_CALL' AFTER 'CALL';
