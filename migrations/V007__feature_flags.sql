-- phase: expand
-- description: FreshFoodz's feature flags: the reader flags of its read views, the kill switch and a product toggle
-- The flags tables, their audit trail and the read-usage counts belong to the engine (`cutover
-- init`); this migration only creates the application's flags, each with its audit row (the
-- engine refuses a flag without one).

-- The reader flags start on the legacy path: nothing moves until somebody decides.
WITH seed (name, kind, views, description, variant) AS (
    VALUES
        ('customer_reads', 'reader', ARRAY['customers.list', 'customers.detail'], 'customer list and detail: legacy queries -> customer_overview', 'legacy'),
        ('pipeline_reads', 'reader', ARRAY['territories.pipeline'], 'territory pipeline: legacy aggregate -> territory_pipeline', 'legacy'),
        ('followup_reads', 'reader', ARRAY['samples.followups'], 'sample follow-ups: legacy query -> sample_followups', 'legacy'),
        ('reads_kill_switch', 'boolean', ARRAY[]::text[], 'on: every reader flag serves legacy, whatever its state', 'off'),
        ('sample_feedback_v2', 'boolean', ARRAY[]::text[], 'the new sample feedback form in module 04', 'off')
), audit AS (
    INSERT INTO cutover.flag_audit (flag, version, changed_by, old_value, new_value, reason)
    SELECT name, 1, current_user, NULL, jsonb_build_object('rule', jsonb_build_object('variant', variant, 'percent', 100), 'modules', '{}'::jsonb),
           'created by migration V007'
    FROM seed
)
INSERT INTO cutover.flags (name, kind, views, description, value)
SELECT name, kind, views, description, jsonb_build_object('rule', jsonb_build_object('variant', variant, 'percent', 100), 'modules', '{}'::jsonb)
FROM seed;

-- rollback:
DELETE FROM cutover.flags WHERE name IN ('customer_reads', 'pipeline_reads', 'followup_reads', 'reads_kill_switch', 'sample_feedback_v2');
