import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Synchronization
import Testing

@Suite("Feature flags against PostgreSQL", .timeLimit(.minutes(5)))
struct FlagIntegrationTests {
    let logger = TestCluster.logger

    func set(_ db: DatabaseTarget, _ name: String, _ change: FlagChange, reason: String = "test") async throws -> FlagStore.Update? {
        try await Database.withConnection(db, logger: logger) { c in
            try await FlagStore(logger: logger).set(on: c, name: name, change: change, actor: "tester", reason: reason)
        }
    }

    func flag(_ db: DatabaseTarget, _ name: String) async throws -> FeatureFlag {
        try await Database.withConnection(db, logger: logger) { c in try await FlagStore(logger: logger).flag(on: c, name: name) }
    }

    @Test("every change writes its audit row in the same transaction; the database refuses a change without one and keeps the trail")
    func audit() async throws {
        let db = try await TestCluster.shared.migratedDatabase()
        let first = try #require(try await set(db, "customer_reads", FlagChange(variant: "shadow", module: "02"), reason: "compare 02"))
        #expect(first.after.value.modules["02"] == FlagRule(variant: "shadow"))
        #expect(first.after.version == 2)
        let same = try await set(db, "customer_reads", FlagChange(variant: "shadow", module: "02"))
        #expect(same?.auditID == nil)  // no change, no audit row
        _ = try await set(db, "customer_reads", FlagChange(variant: "read_model", module: "02", percent: 40), reason: "40 % of 02")
        let rolled = try await Database.withConnection(db, logger: logger) { c in
            try await FlagStore(logger: logger).rollback(on: c, name: "customer_reads", auditID: nil, actor: "tester", reason: "too early")
        }
        #expect(rolled.after.value.modules["02"] == FlagRule(variant: "shadow"))
        let history = try await Database.withConnection(db, logger: logger) { c in
            try await FlagStore(logger: logger).history(on: c, name: "customer_reads", limit: 10)
        }
        #expect(history.map(\.reason) == ["too early", "40 % of 02", "compare 02", "created by migration V007"])
        #expect(history.map(\.version) == [4, 3, 2, 1])
        #expect(history[0].changedBy == "tester" && !history[0].automatic)
        #expect(history[0].oldValue?.modules["02"] == FlagRule(variant: "read_model", percent: 40))

        // A hand-written change without its audit row does not commit; audit rows cannot be edited.
        await #expect(throws: (any Error).self) {
            // (In an explicit transaction: the deferred check fires at COMMIT.)
            try await SQL.exec(db, "BEGIN", "UPDATE cutover.flags SET value = '{\"rule\": {\"variant\": \"read_model\", \"percent\": 100}, \"modules\": {}}', version = version + 1 WHERE name = 'customer_reads'", "COMMIT")
        }
        await #expect(throws: (any Error).self) { try await SQL.exec(db, "DELETE FROM cutover.flag_audit") }
        await #expect(throws: (any Error).self) { try await SQL.exec(db, "UPDATE cutover.flag_audit SET reason = 'x'") }
        #expect(try await flag(db, "customer_reads").version == 4)
        // A reason is required.
        await #expect(throws: CoreError.self) { try await set(db, "customer_reads", FlagChange(variant: "legacy"), reason: "  ") }
    }

    @Test("admin endpoints: an ops token changes flags with a reason; readers are refused; bad input gets problems")
    func adminEndpoints() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let ops = try await APIHarness.token(db, module: "01", role: .ops, territories: ["*"])
        let reader = try await APIHarness.token(db, territories: ["DE-BY"])
        try await APIHarness.withAPI(db, source: nil) { client in
            func put(_ name: String, _ body: String, _ token: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: "/admin/flags/\(name)", method: .put, headers: APIHarness.bearer(token), body: ByteBuffer(string: body)) {
                    ($0.status, String(buffer: $0.body))
                }
            }
            let ok = try await put("customer_reads", #"{"state": "shadow", "module": "02", "reason": "compare module 02"}"#, ops)
            #expect(ok.0 == .ok, "\(ok.1)")
            let changed = try APIHarness.json(ok.1)
            #expect(changed["changed"] as? Bool == true)
            #expect((changed["after"] as? [String: Any])?["effective"] as? [String: String] != nil)
            #expect(try await put("customer_reads", #"{"state": "legacy", "reason": "x"}"#, reader).0 == .forbidden)
            let noReason = try await put("customer_reads", #"{"state": "legacy"}"#, ops)
            #expect(noReason.0 == .badRequest && noReason.1.contains("reason"))
            let badState = try await put("customer_reads", #"{"state": "on", "reason": "x"}"#, ops)
            #expect(badState.0 == .badRequest && badState.1.contains("legacy, shadow, read_model"))
            let badModule = try await put("customer_reads", #"{"state": "shadow", "module": "11", "reason": "x"}"#, ops)
            let badModuleProblem = try APIHarness.json(badModule.1)
            #expect(badModule.0 == .badRequest && badModuleProblem["parameter"] as? String == "module")
            #expect(try await put("nope", #"{"state": "on", "reason": "x"}"#, ops).0 == .notFound)
            #expect(try await put("customer_reads", "not json", ops).0 == .badRequest)
            let history = try await APIHarness.get(client, "/admin/flags/customer_reads/history", token: ops)
            #expect(history.status == .ok && history.body.contains("compare module 02"))
            let list = try await APIHarness.get(client, "/admin/flags", token: ops)
            #expect(list.status == .ok && list.body.contains("reads_kill_switch"))
            #expect(try await APIHarness.get(client, "/admin/flags", token: nil).status == .unauthorized)
            let back = try await client.execute(uri: "/admin/flags/customer_reads/rollback", method: .post, headers: APIHarness.bearer(ops),
                                                body: ByteBuffer(string: #"{"reason": "undo"}"#)) { ($0.status, String(buffer: $0.body)) }
            #expect(back.0 == .ok, "\(back.1)")
        }
        #expect(try await flag(db, "customer_reads").value == FlagValue(rule: FlagRule(variant: "legacy")))
        let actor = try await SQL.scalar(db, "SELECT changed_by FROM cutover.flag_audit WHERE reason = 'undo'")
        #expect(actor?.hasPrefix("token ") == true)
    }

    @Test("shadow mode serves legacy, compares the read model in the background and records a tampered row's key and field")
    func shadowMismatch() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        _ = try await set(db, "customer_reads", FlagChange(variant: "shadow", module: "02"))
        let token = try await APIHarness.token(db, module: "02", territories: ["DE-BY", "DE-BW"])
        let table = try #require(try await SQL.scalar(db, "SELECT live_table FROM cutover.projection_checkpoint WHERE projection = 'customer_overview'"))
        let id = try #require(try await SQL.scalar(db, "SELECT min(customer_id)::text FROM \(table) WHERE territory_code = 'DE-BY'"))
        try await APIHarness.withAPI(db, source: nil) { client in
            // Untampered: served by legacy, compared, no mismatch.
            let clean = try await APIHarness.get(client, "/v1/customers?territory=DE-BW", token: token)
            #expect(clean.status == .ok)
            #expect(clean.headers[APIHeaders.source] == "legacy")
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.shadow_mismatches") == "0")

            try await SQL.exec(db, "UPDATE \(table) SET name = name || ' (tampered)' WHERE customer_id = \(id)")
            let detail = try await APIHarness.get(client, "/v1/customers/\(id)", token: token)
            #expect(detail.status == .ok)
            #expect(detail.headers[APIHeaders.source] == "legacy")
            #expect(!detail.body.contains("tampered"))
            var row: String?
            for _ in 0..<100 where row == nil {
                try await Task.sleep(for: .milliseconds(50))
                row = try await SQL.scalar(db, "SELECT flag || '|' || view || '|' || module || '|' || key || '|' || array_to_string(fields, ',') FROM cutover.shadow_mismatches")
            }
            #expect(row == "customer_reads|customers.detail|02|id=\(id)|name")
        }
    }

    @Test("automatic rollback: a healthy read model stays; a forced slow one is flipped back to legacy, audited as automatic with the measured p95")
    func autoRollback() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        _ = try await set(db, "customer_reads", FlagChange(variant: "read_model", module: "03"))
        let token = try await APIHarness.token(db, module: "03", territories: ["DE-BY"])
        let table = try #require(try await SQL.scalar(db, "SELECT live_table FROM cutover.projection_checkpoint WHERE projection = 'customer_overview'"))
        // Generous against a loaded CI machine: healthy reads took up to ~1.1 s (p95) while the whole
        // suite shared 2 cores, so the threshold is 2.5 s and the forced slow reads wait 6 s each (the
        // rollback also needs them slower than legacy's p95, which a loaded run pushed past 4 s).
        let thresholds = AutoRollbackThresholds(windowSeconds: 60, p95Milliseconds: 2_500, maxErrorRate: 0.5, maxMismatchRate: 0.5, minRequests: 5, minComparisons: 5)
        try await APIHarness.withAPI(db, source: nil, rollback: thresholds) { client in
            for _ in 0..<12 {
                let r = try await APIHarness.get(client, "/v1/customers?territory=DE-BY", token: token)
                #expect(r.status == .ok && r.headers[APIHeaders.source] == "read-model")
            }
            try await Task.sleep(for: .milliseconds(2_500))
            #expect(try await flag(db, "customer_reads").value.modules["03"]?.variant == "read_model")
            #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.flag_audit WHERE automatic") == "0")

            // Module 05 stays on legacy: its fast reads are the comparison a latency rollback needs.
            let legacyToken = try await APIHarness.token(db, module: "05", territories: ["DE-BY"])
            for _ in 0..<8 {
                let r = try await APIHarness.get(client, "/v1/customers?territory=DE-BY", token: legacyToken)
                #expect(r.status == .ok && r.headers[APIHeaders.source] == "legacy")
            }
            // Force the read model slow: another session holds its table for 6 s at a time.
            for _ in 0..<5 {
                let holder = try await Database.connect(db, logger: logger)
                try await holder.query("BEGIN", logger: logger)
                try await holder.query(PostgresQuery(unsafeSQL: "LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE"), logger: logger)
                async let release: Void = {
                    try await Task.sleep(for: .seconds(6))
                    try await holder.query("COMMIT", logger: logger)
                    try await holder.close()
                }()
                _ = try await APIHarness.get(client, "/v1/customers?territory=DE-BY", token: token)
                try await release
            }
            var reason: String?
            for _ in 0..<600 where reason == nil {  // returns as soon as it is there; loaded CI runs needed more than 5 s, once more than 20 s
                try await Task.sleep(for: .milliseconds(50))
                reason = try await SQL.scalar(db, "SELECT reason FROM cutover.flag_audit WHERE automatic AND flag = 'customer_reads'")
            }
            let text = try #require(reason, "no automatic rollback within 30 s")
            #expect(text.hasPrefix("automatic rollback: customers.list read-model p95 "), "\(text)")
            #expect(text.contains("> 2500 ms and > legacy p95 "), "\(text)")
            #expect(text.contains("over 60 s"), "\(text)")
            #expect(try await flag(db, "customer_reads").value.modules["03"]?.variant == "legacy")
            // The API itself follows within a second (NOTIFY → reload).
            var source: String?
            for _ in 0..<40 where source != "legacy" {
                try await Task.sleep(for: .milliseconds(50))
                source = try await APIHarness.get(client, "/v1/customers?territory=DE-BY", token: token).headers[APIHeaders.source]
            }
            #expect(source == "legacy")
        }
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.flag_audit WHERE automatic") == "1")
    }

    @Test("reads are counted per view, module and source for the contract guards")
    func readUsage() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        _ = try await set(db, "pipeline_reads", FlagChange(variant: "read_model", module: "05"))
        let five = try await APIHarness.token(db, module: "05", territories: ["DE-BY"])
        let six = try await APIHarness.token(db, module: "06", territories: ["DE-BY"])
        try await APIHarness.withAPI(db, source: nil) { client in
            for token in [five, five, six] {
                #expect(try await APIHarness.get(client, "/v1/territories/DE-BY/pipeline", token: token).status == .ok)
            }
            try await Task.sleep(for: .milliseconds(600))
        }
        // Summed: usage is kept per time bucket, and three reads may straddle two buckets.
        let rows = try await SQL.column(db, """
            SELECT module || ':' || source || ':' || sum(reads) FROM cutover.read_usage WHERE view = 'territories.pipeline'
            GROUP BY module, source ORDER BY module
            """)
        #expect(rows == ["05:read-model:2", "06:legacy:1"])
    }
}
