/// The names and statements of change capture that follow from the projections: which tables
/// and columns are captured, and the trigger of the fallback capture for one table.
public enum CaptureSQL {
    /// Channel the projector LISTENs on (the relay notifies once per batch; trigger capture
    /// throttles one per 20 ms). Payload is always empty: notify is a wake-up hint only.
    public static let channel = "cutover_changes"
    /// At most one NOTIFY per this many milliseconds for the whole database (all backends).
    public static let wakeupThrottleMilliseconds = 20
    /// The publication the capture relay streams; `cutover projections apply` keeps its table
    /// list equal to the projections' source tables.
    public static let publication = "cutover_capture"

    /// Source table -> the columns to capture (union over projections), sorted.
    public static func capturedColumns(_ projections: [ProjectionDefinition]) -> [(table: String, columns: [String])] {
        var map: [String: Set<String>] = [:]
        for projection in projections {
            for source in projection.sources { map[source.table, default: []].insert(source.capturedColumn) }
        }
        return map.keys.sorted().map { ($0, map[$0]!.sorted()) }
    }

    /// The trigger function of `table` in trigger capture.
    public static func triggerFunction(_ table: String) -> String {
        "cutover.capture_" + table.replacingAll(".", with: "_")
    }

    /// The throttled wake-up as plpgsql statements: NOTIFY when the current bucket of
    /// ``wakeupThrottleMilliseconds`` is newer than the last one that notified
    /// (`pg_sequence_last_value` is NULL before the first `setval`).
    static func wakeupCheck() -> String {
        let bucket = "floor(date_part('epoch', clock_timestamp()) * 1000 / \(wakeupThrottleMilliseconds))"
        return [
            "    IF coalesce(pg_sequence_last_value('cutover.wakeup_bucket'), -1) < \(bucket) THEN",
            "        PERFORM setval('cutover.wakeup_bucket', \(bucket)::bigint);",
            "        PERFORM pg_notify('\(channel)', '');",
            "    END IF;",
        ].joined(separator: "\n")
    }

    /// Trigger capture of `table`: a plpgsql function inserting one change-log row per changed row
    /// (the captured `columns` as text, old and new), its three triggers, and a comment naming the
    /// columns so the next apply can tell whether it is current.
    public static func installTriggers(_ table: String, columns: [String]) -> [String] {
        let function = triggerFunction(table)
        // Values as jsonb strings: the projector reads them with ->> (text) anyway, and a number would be
        // converted through numeric on every captured row.
        func object(_ row: String) -> String {
            "jsonb_build_object(" + columns.map { "'\($0)', \(row).\($0)::text" }.joined(separator: ", ") + ")"
        }
        return [
            """
            CREATE OR REPLACE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('cutover.capture', true) = 'off' THEN
                    RETURN NULL;
                END IF;
            \(wakeupCheck())
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO cutover.change_log (source_table, op, new_key) VALUES ('\(table)', 'I', \(object("NEW")));
                ELSIF TG_OP = 'UPDATE' THEN
                    INSERT INTO cutover.change_log (source_table, op, old_key, new_key) VALUES ('\(table)', 'U', \(object("OLD")), \(object("NEW")));
                ELSE
                    INSERT INTO cutover.change_log (source_table, op, old_key) VALUES ('\(table)', 'D', \(object("OLD")));
                END IF;
                RETURN NULL;
            END
            $$
            """,
            "COMMENT ON FUNCTION \(function)() IS 'cutover capture: \(columns.joined(separator: ","))'",
            "DROP TRIGGER IF EXISTS cutover_capture ON \(table)",
            "CREATE TRIGGER cutover_capture AFTER INSERT OR DELETE ON \(table) FOR EACH ROW EXECUTE FUNCTION \(function)()",
            "DROP TRIGGER IF EXISTS cutover_capture_update ON \(table)",
            "CREATE TRIGGER cutover_capture_update AFTER UPDATE ON \(table) FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION \(function)()",
            "DROP TRIGGER IF EXISTS cutover_capture_truncate ON \(table)",
            "CREATE TRIGGER cutover_capture_truncate AFTER TRUNCATE ON \(table) FOR EACH STATEMENT EXECUTE FUNCTION cutover.capture_truncate()",
        ]
    }

    /// Removes trigger capture of `table`.
    public static func removeTriggers(_ table: String) -> [String] {
        [
            "DROP TRIGGER IF EXISTS cutover_capture ON \(table)",
            "DROP TRIGGER IF EXISTS cutover_capture_update ON \(table)",
            "DROP TRIGGER IF EXISTS cutover_capture_truncate ON \(table)",
            "DROP FUNCTION IF EXISTS \(triggerFunction(table))()",
        ]
    }
}
