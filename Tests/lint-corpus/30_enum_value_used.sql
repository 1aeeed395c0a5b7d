-- expect: enum-value-used-in-transaction
-- phase: expand
-- Adds a value and backfills with it in the same transaction.
ALTER TYPE crm.activity_kind ADD VALUE IF NOT EXISTS 'VIDEO_CALL' AFTER 'CALL';
UPDATE crm.activities SET kind = 'VIDEO_CALL' WHERE note ILIKE '%zoom%';
