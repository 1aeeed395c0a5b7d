import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// Flags across real `cutover serve` processes: propagation, start-up without flags, and the
/// OpenFeature SDK talking OFREP.
@Suite("Feature flags across processes", .timeLimit(.minutes(5)))
struct FlagProcessTests {
    @Test("a change made through one API process reaches a second process within 1 s")
    func propagation() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let ops = try await APIHarness.token(db, module: "01", role: .ops, territories: ["*"])
        let reader = try await APIHarness.token(db, module: "02", territories: ["DE-BY"])
        let a = try await ServeProcess(db)
        defer { a.stop() }
        // The second instance falls back to a 60 s reload: only LISTEN/NOTIFY can make it in time.
        let b = try await ServeProcess(db, settings: ["flags.refreshSeconds=60"])
        defer { b.stop() }
        let evaluate = #"{"context": {"module": "02"}}"#
        let before = try await b.request(.post, "/ofrep/v1/evaluate/flags/customer_reads", token: reader, body: evaluate)
        #expect(before.status == .ok && before.body.contains(#""value":"legacy""#), "\(before.body)")

        for (round, state) in ["shadow", "read_model", "legacy"].enumerated() {
            let change = try await a.request(.put, "/admin/flags/customer_reads", token: ops,
                                             body: #"{"state": "\#(state)", "module": "02", "reason": "propagation round \#(round)"}"#)
            #expect(change.status == .ok, "\(change.body)")
            var seen = false
            for _ in 0..<500 where !seen {
                seen = try await b.request(.post, "/ofrep/v1/evaluate/flags/customer_reads", token: reader, body: evaluate).body.contains(#""value":"\#(state)""#)
                if !seen { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(seen, "process B never saw \(state)")
            // How long B took, by B's own clock: from the change's transaction to B's flag load that
            // brought it (its last-load gauge; a later load would only make this larger). Polling
            // over HTTP on a loaded machine would measure the test's client instead.
            let changedAt = try #require(try await SQL.scalar(db, "SELECT extract(epoch FROM changed_at)::text FROM cutover.flag_audit WHERE reason = 'propagation round \(round)'").flatMap(Double.init))
            let metrics = try await b.request(.get, "/metrics", token: nil).body
            let loadedAt = try #require(metrics.split(separator: "\n").first { $0.hasPrefix("cutover_flags_last_load_timestamp_seconds ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }, "\(metrics.prefix(500))")
            #expect(loadedAt - changedAt < 1.0, "process B loaded \(state) \(loadedAt - changedAt) s after the change")
            #expect(loadedAt - changedAt > -0.05)
        }
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.flag_audit WHERE reason LIKE 'propagation round %'") == "3")
    }

    @Test("without loadable flags the API is not ready and answers 503 instead of serving default flags")
    func noDefaults() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let reader = try await APIHarness.token(db, module: "02", territories: ["DE-BY"])
        try await SQL.exec(db, "ALTER TABLE cutover.flags RENAME TO flags_away")
        let server = try await ServeProcess(db, settings: ["flags.startupWaitSeconds=0.3"])
        defer { server.stop() }
        let ready = try await server.request(.get, "/health/ready", token: nil)
        #expect(ready.status == .serviceUnavailable)
        #expect(ready.body.contains("flags not loaded"), "\(ready.body)")
        let read = try await server.request(.get, "/v1/customers?territory=DE-BY", token: reader)
        #expect(read.status == .serviceUnavailable)
        #expect(read.body.contains("flags are not loaded"), "\(read.body)")
        // Once the flags can be loaded again the instance picks them up by itself (reconnect with backoff).
        try await SQL.exec(db, "ALTER TABLE cutover.flags_away RENAME TO flags")
        var status = read.status
        for _ in 0..<100 where status != .ok {
            try await Task.sleep(for: .milliseconds(100))
            status = try await server.request(.get, "/v1/customers?territory=DE-BY", token: reader).status
        }
        #expect(status == .ok)
    }

    @Test("OFREP answers the OpenFeature Python SDK: strings, booleans, module overrides, sticky splits and errors")
    func openFeatureSDK() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let logger = TestCluster.logger
        try await Database.withConnection(db, logger: logger) { c in
            let store = FlagStore(logger: logger)
            _ = try await store.set(on: c, name: "customer_reads", change: FlagChange(variant: "shadow", module: "02"), actor: "tester", reason: "sdk test")
            _ = try await store.set(on: c, name: "customer_reads", change: FlagChange(variant: "read_model", module: "03", percent: 15), actor: "tester", reason: "sdk test")
        }
        let token = try await APIHarness.token(db, module: "02", territories: ["DE-BY"])
        let server = try await ServeProcess(db)
        defer { server.stop() }
        let run = try ProcessRunner(runAsUser: nil).run("/usr/bin/env", ["python3", TestCluster.repositoryRoot + "/scripts/ofrep-check.py", server.base, token])
        #expect(run.succeeded, "ofrep-check.py failed (pip install openfeature-sdk openfeature-provider-ofrep):\n\(run.output.suffix(3000))")
        let line = try #require(run.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }), "\(run.output)")
        let out = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: [String: Any]])
        #expect(out["module02"]?["value"] as? String == "shadow")
        #expect(out["module02"]?["reason"] as? String == "TARGETING_MATCH")
        #expect(out["module01"]?["value"] as? String == "legacy")
        #expect(out["module01"]?["reason"] as? String == "STATIC")
        #expect(out["split_in"]?["value"] as? String == "read_model")   // bucket 1493 < 1500
        #expect(out["split_in"]?["reason"] as? String == "SPLIT")
        #expect(out["split_out"]?["value"] as? String == "legacy")      // bucket 3624
        #expect(out["boolean"]?["value"] as? Bool == false)
        #expect(out["boolean"]?["variant"] as? String == "off")
        #expect(out["missing"]?["value"] as? String == "fallback")
        #expect(out["missing"]?["error"] as? String == "FLAG_NOT_FOUND")
        #expect(out["bad_module"]?["value"] as? String == "fallback")
        #expect(out["bad_module"]?["error"] as? String == "INVALID_CONTEXT")
    }
}
