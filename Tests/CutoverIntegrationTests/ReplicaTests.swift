import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import Testing

@Suite("Read API on a hot standby", .timeLimit(.minutes(10)))
struct ReplicaTests {
    @Test("reads come from a standby made with pg_basebackup, follow the primary, and report the replica lag")
    func hotStandby() async throws {
        // A small primary of its own, so the base backup copies little.
        let root = (ProcessInfo.processInfo.environment["CUTOVER_TEST_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory())
            + "/replica-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        var primaryCluster = DevCluster(dataDirectory: root + "/primary", fastAndUnsafe: true, logger: TestCluster.logger)
        let standby = DevStandby(dataDirectory: root + "/standby", logger: TestCluster.logger)
        defer {
            standby.destroy()
            primaryCluster.destroy()
            try? FileManager.default.removeItem(atPath: root)
        }
        let primaryState = try await primaryCluster.up()
        let db = DatabaseTarget(url: primaryState.url, poolSize: 4, applicationName: "cutover-tests")
        try await TestCluster.migrate(db)
        try await TestCluster.seed(db, customers: 300, seed: 7)
        // One projector for the whole test: the write below must travel primary → projector → WAL → standby.
        try await ProjectorHarness.withProjector(db) {
            try await ProjectorHarness.waitUntilCaughtUp(db, timeout: .seconds(60))
            let token = try await APIHarness.token(db, territories: ["DE-BY"])

            let standbyState = try await standby.up(primary: primaryState)
            #expect(standbyState.port != primaryState.port)
            let replica = DatabaseTarget(url: standbyState.url, poolSize: 4, applicationName: "cutover-tests")
            #expect(try await SQL.scalar(replica, "SELECT pg_is_in_recovery()::text") == "true")

            let id = try #require(try await SQL.scalar(db, "SELECT min(id)::text FROM crm.customers WHERE territory_code = 'DE-BY'"))
            // The command users run, configured as docs/operations.md shows.
            let serve = try await ServeProcess(db, settings: ["api.replicaUrl=\(replica.url.urlWithPassword)", "api.forceSource=read-model"],
                                               logLevel: "info")
            #expect(serve.process.output.contains("reads from hot standby"))
            do {
                let first = try await serve.get("/v1/customers/\(id)", token: token)
                #expect(first.status == .ok)
                #expect(first.headers[APIHeaders.source] == "read-model")
                #expect(Double(first.headers[APIHeaders.replicaLag] ?? "") != nil, "no Cutover-Replica-Lag header")

                try await SQL.exec(db, "UPDATE crm.customers SET name = 'Gasthof Replik' WHERE id = \(id)")
                var name: String?
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    let r = try await serve.get("/v1/customers/\(id)", token: token)
                    name = try APIHarness.json(r.body)["name"] as? String
                    if name == "Gasthof Replik" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(name == "Gasthof Replik")
                // The reads went to the standby: its sessions include the API's.
                #expect(try await SQL.scalar(replica, "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'cutover api'") != "0")
                // The standby refuses writes: the API only reads there.
                await #expect(throws: (any Error).self) { try await SQL.exec(replica, "UPDATE crm.customers SET name = 'x' WHERE id = \(id)") }
            }
            // SIGTERM: serve stops within seconds and says so.
            let status = await serve.process.stop(SIGTERM, within: .seconds(10))
            #expect(status == 0, "serve did not exit within 10 s of SIGTERM: \(serve.process.output.suffix(2000))")
            #expect(serve.process.output.contains("stopped"))
        }
    }
}
