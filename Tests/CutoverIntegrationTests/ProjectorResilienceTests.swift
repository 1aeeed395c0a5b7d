import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging
import PostgresNIO
import Testing

/// Kills, restarts and doubles the projector, and restarts PostgreSQL under it.
@Suite("Projector resilience", .serialized, .timeLimit(.minutes(10)))
struct ProjectorResilienceTests {
    let logger = TestCluster.logger

    func startProjector(_ db: DatabaseTarget, log: String) throws -> Subprocess {
        try Subprocess(CLITests.binary, [
            "project", "--database-url", db.url.urlWithPassword, "--log-level", "info",
            "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections",
            "--set", "projector.maxLatencyMilliseconds=10", "--set", "http.port=0", "--set", "projector.fallbackPollMilliseconds=300",
        ], logPath: log)
    }

    /// A burst of mixed writes across the write tables.
    func workload(_ db: DatabaseTarget, rounds: Int, tag: String) async throws {
        for i in 0..<rounds {
            try await SQL.exec(db,
                "UPDATE crm.customers SET name = name || '.\(tag)\(i % 10)' WHERE id = (SELECT id FROM crm.customers ORDER BY md5(id::text || '\(tag)\(i)') LIMIT 1)",
                "INSERT INTO crm.orders (customer_id, ordered_at, net_amount, item_count) SELECT id, '2026-10-\(10 + i % 15)', \(i) + 0.5, 1 FROM crm.customers ORDER BY md5(id::text || 'o\(tag)\(i)') LIMIT 1",
                "UPDATE crm.contacts SET phone = '+49 89 \(i)' WHERE id = (SELECT id FROM crm.contacts ORDER BY md5(id::text || 'k\(tag)\(i)') LIMIT 1)")
        }
    }

    func leaseCount(_ db: DatabaseTarget) async throws -> Int {
        Int(try await SQL.scalar(db, "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND classid = \(0x6375) AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") ?? "0") ?? 0
    }

    @Test("SIGKILL of the projector mid-run, then a restart: zero drift")
    func killAndRestart() async throws {
        let db = try await TestCluster.shared.seededDatabase(capture: .wal)
        let log = NSTemporaryDirectory() + "cutover-kill-\(UUID().uuidString).log"
        let first = try startProjector(db, log: log)
        try await ProjectorHarness.waitUntilCaughtUp(db)
        async let writes: Void = workload(db, rounds: 120, tag: "k")
        try await Task.sleep(for: .milliseconds(300))
        first.kill(SIGKILL)
        try await writes
        let second = try startProjector(db, log: log)
        try await ProjectorHarness.waitUntilCaughtUp(db)
        #expect(try await ProjectorHarness.drift(db).isEmpty)
        let status = await second.stop(SIGTERM, within: .seconds(5))
        #expect(status == 0, "the projector did not exit cleanly within 5 s of SIGTERM: \(second.output.suffix(2000))")
        #expect(second.output.contains("projector stopped"))
    }

    @Test("`cutover project` with PostgreSQL restarted under it catches up and exits within 5 s of SIGTERM")
    func projectProcessAcrossRestart() async throws {
        let server = try await PrivateCluster.start("restart-cli", customers: 300, seed: 5)
        defer { server.destroy() }
        let db = server.db
        let projector = try startProjector(db, log: NSTemporaryDirectory() + "cutover-restart-cli-\(UUID().uuidString.prefix(8)).log")
        try await ProjectorHarness.waitUntilCaughtUp(db)
        try await workload(db, rounds: 10, tag: "p")
        try await server.stop()
        try await server.start()
        try await workload(db, rounds: 20, tag: "q")
        try await ProjectorHarness.waitUntilCaughtUp(db, timeout: .seconds(60))
        #expect(try await ProjectorHarness.drift(db).isEmpty)
        let start = ContinuousClock.now
        let status = await projector.stop(SIGTERM, within: .seconds(5))
        #expect(status == 0, "exit \(status.map(String.init) ?? "none within 5 s") after SIGTERM: \(projector.output.suffix(2000))")
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(projector.output.contains("projector stopped"))
    }

    @Test("two projectors never both hold a projection; the survivor takes over within seconds")
    func twoProjectorsTakeOver() async throws {
        let db = try await TestCluster.shared.seededDatabase(capture: .wal)
        let projections = try ProjectorHarness.projections
        let log = NSTemporaryDirectory() + "cutover-two-\(UUID().uuidString).log"
        let a = try startProjector(db, log: log)
        try await ProjectorHarness.waitUntilCaughtUp(db)
        let b = try startProjector(db, log: log + ".b")
        try await Task.sleep(for: .seconds(1))
        #expect(try await leaseCount(db) == projections.count)  // not 2 x
        try await workload(db, rounds: 20, tag: "a")
        try await ProjectorHarness.waitUntilCaughtUp(db)
        a.kill(SIGKILL)
        let deadline = ContinuousClock.now + .seconds(10)
        var held = 0
        while ContinuousClock.now < deadline {
            held = try await leaseCount(db)
            if held == projections.count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(held == projections.count)
        try await workload(db, rounds: 20, tag: "b")
        try await ProjectorHarness.waitUntilCaughtUp(db)
        #expect(try await ProjectorHarness.drift(db).isEmpty)
        let status = await b.stop(SIGTERM, within: .seconds(5))
        #expect(status == 0, "the surviving projector did not exit cleanly within 5 s of SIGTERM: \(b.output.suffix(2000))")
    }

    @Test("PostgreSQL restarts under a running projector: it reconnects, catches up, zero drift")
    func postgresRestart() async throws {
        let server = try await PrivateCluster.start("restart", customers: 400, seed: 3)
        defer { server.destroy() }
        let db = server.db
        try await ProjectorHarness.withProjector(db) {
            try await ProjectorHarness.waitUntilCaughtUp(db)
            try await workload(db, rounds: 10, tag: "r")
            try await server.stop()
            try await server.start()
            try await workload(db, rounds: 30, tag: "s")
            try await ProjectorHarness.waitUntilCaughtUp(db, timeout: .seconds(30))
            #expect(try await ProjectorHarness.drift(db).isEmpty)
        }
    }

    @Test("scripts/chaos.sh --short: random SIGKILLs and a PostgreSQL restart under a mixed load end with zero drift and prompt exits")
    func chaosShort() async throws {
        let log = NSTemporaryDirectory() + "cutover-chaos-\(UUID().uuidString.prefix(8)).log"
        let chaos = try Subprocess("/bin/bash", [TestCluster.repositoryRoot + "/scripts/chaos.sh", "--short", "--binary", CLITests.binary], logPath: log)
        let status = await chaos.waitForExit(within: .seconds(480))
        #expect(status == 0, "chaos.sh --short exited \(status.map(String.init) ?? "not at all within 8 minutes"):\n\(chaos.output.suffix(4000))")
        #expect(chaos.output.contains("0 drift, 0 hangs"))
    }
}
