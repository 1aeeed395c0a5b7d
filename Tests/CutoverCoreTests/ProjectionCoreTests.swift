import CutoverCore
import Testing

@Suite("Projection cursor, key collection and capture SQL", .timeLimit(.minutes(1)))
struct ProjectionCoreTests {
    static let overview = ProjectionDefinition(
        name: "overview", version: 1, description: "", keyColumn: "customer_id", keyType: .bigint,
        allKeysSQL: "SELECT id FROM crm.customers", primaryKey: ["customer_id"],
        sources: [
            .init(table: "crm.customers", mapping: .column("id")),
            .init(table: "crm.contacts", mapping: .column("customer_id")),
            .init(table: "crm.users", mapping: .query(parameter: "id", sql: "SELECT id FROM crm.customers WHERE owner_id = ANY($1)")),
        ],
        tableSQL: "CREATE TABLE {{table}} (customer_id bigint PRIMARY KEY); ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY; CREATE INDEX {{name}}_x ON {{table}} (customer_id)",
        recomputeSQL: "SELECT id FROM crm.customers WHERE id = ANY($1)")

    @Test("a cursor takes a target, walks the range in pages and then makes the target its base")
    func cursorWalksRanges() {
        var cursor = ProjectionCursor(base: "10:10:")
        #expect(cursor.nextAction(limit: 2) == .takeTargetSnapshot)
        cursor.targetTaken("12:14:12")
        #expect(cursor.nextAction(limit: 2) == .fetch(base: "10:10:", target: "12:14:12", afterID: 0, limit: 2))
        cursor.batchApplied(count: 2, lastID: 7, limit: 2)  // full page: more may follow in this range
        #expect(cursor.nextAction(limit: 2) == .fetch(base: "10:10:", target: "12:14:12", afterID: 7, limit: 2))
        #expect(cursor.isInsideRange)
        cursor.batchApplied(count: 1, lastID: 9, limit: 2)  // short page: range complete
        #expect(cursor == ProjectionCursor(base: "12:14:12", target: nil, afterID: 0))
        #expect(cursor.nextAction(limit: 2) == .takeTargetSnapshot)
        cursor.targetTaken("15:15:")
        cursor.rebuilt(from: "20:20:")
        #expect(cursor == ProjectionCursor(base: "20:20:"))
    }

    @Test("changes map to keys: old and new values of column mappings, parameters for fan-out, truncate means rebuild")
    func collectsKeys() {
        let collector = ChangeKeyCollector(projection: Self.overview)
        let result = collector.collect([
            ChangeRow(id: 1, sourceTable: "crm.customers", operation: "I", oldValue: nil, newValue: "5"),
            ChangeRow(id: 2, sourceTable: "crm.contacts", operation: "U", oldValue: "5", newValue: "9"),  // contact moved 5 -> 9
            ChangeRow(id: 3, sourceTable: "crm.contacts", operation: "D", oldValue: "11", newValue: nil),
            ChangeRow(id: 4, sourceTable: "crm.users", operation: "U", oldValue: "3", newValue: "3"),
            ChangeRow(id: 5, sourceTable: "crm.orders", operation: "I", oldValue: nil, newValue: "77"),  // not a source: ignored
        ])
        #expect(result.keys == ["5", "9", "11"])
        #expect(result.queryParameters == ["crm.users": ["3"]])
        #expect(!result.needsFullRebuild)
        #expect(collector.collect([ChangeRow(id: 9, sourceTable: "crm.contacts", operation: "T", oldValue: nil, newValue: nil)]).needsFullRebuild)
    }

    @Test("the capture plan follows the projections: wal publishes and sets FULL identity for new source tables, drops tables nobody reads; triggers install per table and reinstall when the columns change")
    func capturePlan() throws {
        let wanted = CaptureSQL.capturedColumns([Self.overview])
        #expect(wanted.map(\.table) == ["crm.contacts", "crm.customers", "crm.users"])
        #expect(wanted.first { $0.table == "crm.users" }?.columns == ["id"])

        let fresh = CapturePlan(mode: .wal, wanted: wanted, current: .init())
        #expect(fresh.actions.filter { if case .publish = $0 { true } else { false } }.map(\.table) == ["crm.contacts", "crm.customers", "crm.users"])
        #expect(fresh.actions.filter(\.startsCapture).count == 3)
        #expect(fresh.actions.contains(.fullIdentity(table: "crm.users")))
        let done = CapturePlan(mode: .wal, wanted: wanted,
                               current: .init(publishedTables: ["crm.contacts", "crm.customers", "crm.users"],
                                              fullIdentityTables: ["crm.contacts", "crm.customers", "crm.users"]))
        #expect(done.isEmpty)
        let stale = CapturePlan(mode: .wal, wanted: wanted,
                                current: .init(publishedTables: ["crm.contacts", "crm.customers", "crm.users", "crm.samples"],
                                               fullIdentityTables: ["crm.contacts", "crm.customers", "crm.users"]))
        #expect(stale.actions == [.unpublish(table: "crm.samples"), .defaultIdentity(table: "crm.samples")])
        #expect(stale.actions[0].statements == ["ALTER PUBLICATION cutover_capture DROP TABLE crm.samples"])

        let triggers = CapturePlan(mode: .triggers, wanted: wanted,
                                   current: .init(triggerColumns: ["crm.users": ["id"], "crm.contacts": ["id"], "crm.orders": ["id"]]))
        #expect(triggers.actions.map(\.description) == [
            "install capture triggers on crm.contacts (columns customer_id)",
            "install capture triggers on crm.customers (columns id)",
            "remove capture triggers from crm.orders (no projection reads it)",
        ])
        let install = CaptureSQL.installTriggers("crm.customers", columns: ["id"])
        #expect(install.contains("COMMENT ON FUNCTION cutover.capture_crm_customers() IS 'cutover capture: id'"))
        #expect(install.contains { $0.contains("pg_sequence_last_value('cutover.wakeup_bucket')") && $0.contains("'id', NEW.id::text") })
        #expect(CaptureSQL.removeTriggers("crm.orders").last == "DROP FUNCTION IF EXISTS cutover.capture_crm_orders()")
    }

    @Test("the validator names the folder and file of each problem")
    func validator() {
        let validator = ProjectionValidator(knownTables: ["crm.customers", "crm.contacts", "crm.users"])
        #expect(throws: Never.self) { try validator.validate(Self.overview) }
        var p = Self.overview
        p.sources.append(.init(table: "crm.custmers", mapping: .column("id")))
        #expect { try validator.validate(p) } throws: { ($0 as? CoreError)?.message.contains("unknown source table crm.custmers") == true }
        p = Self.overview
        p.recomputeSQL = "SELECT id FROM crm.customers WHERE id = ANY($1) AND created_at < now()"
        #expect { try validator.validate(p) } throws: { ($0 as? CoreError)?.message.contains("projections/overview/recompute.sql") == true }
        p = Self.overview
        p.recomputeSQL = "SELECT id FROM crm.customers"
        #expect { try validator.validate(p) } throws: { ($0 as? CoreError)?.message.contains("$1") == true }
        p = Self.overview
        p.primaryKey = ["other"]
        #expect(throws: CoreError.self) { try validator.validate(p) }
        p = Self.overview
        p.sources[2] = .init(table: "crm.users", mapping: .query(parameter: "id", sql: "SELECT 1"))
        #expect(throws: CoreError.self) { try validator.validate(p) }
    }

    @Test("determinism is judged from tokens: casts of 'now', quoted and qualified calls, sequences and transaction ids are refused",
          arguments: [
              ("created_at < 'now'::timestamptz", "'now' cast to a date or time"),
              ("created_at < timestamptz 'today'", "'today' cast to a date or time"),
              ("created_at < CAST('now' AS date)", "'now' cast to a date or time"),
              ("created_at < \"now\"()", "\"now\"(…)"),
              ("created_at < pg_catalog.now()", "now(…)"),
              ("id > nextval('crm.seq')", "nextval(…)"),
              ("id::text <> txid_current()::text", "txid_current(…)"),
              ("created_at < CURRENT_DATE", "CURRENT_DATE"),
              ("random ( ) > 0.5", "random(…)"),
          ])
    func determinism(condition: String, construct: String) {
        var p = Self.overview
        p.recomputeSQL = "SELECT id FROM crm.customers\nWHERE id = ANY($1) AND \(condition)"
        let validator = ProjectionValidator(knownTables: [], directory: "/srv/cutover/read-models")
        #expect {
            try validator.validate(p)
        } throws: { error in
            (error as? CoreError)?.message == "/srv/cutover/read-models/overview/recompute.sql: line 2: uses \(construct): read models must be a deterministic function of the write tables; store dates and let readers compare with the clock"
        }
    }

    @Test("text that only mentions a clock word is not a call: strings, comments, column names")
    func determinismIgnoresText() throws {
        var p = Self.overview
        p.recomputeSQL = """
            SELECT id, 'now()' AS label, now_or_never FROM crm.customers -- not now()
            WHERE id = ANY($1) /* random() */ AND note <> 'today'
            """
        try ProjectionValidator(knownTables: []).validate(p)
    }
}
