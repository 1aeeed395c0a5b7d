import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `cutover rebuild`: resume after a crash, refusal while a migration runs, partial rebuilds and a
/// new projection version deployed through the shadow path.
@Suite("Projection rebuilds", .timeLimit(.minutes(10)))
struct RebuildTests {
    var overview: ProjectionDefinition { get throws { try ProjectorHarness.projections.first { $0.name == "customer_overview" }! } }

    @Test("a rebuild killed mid-fill resumes where it stopped; a rebuild refuses while a migration runs")
    func resumesAndRefuses() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let log = NSTemporaryDirectory() + "rebuild-\(UUID().uuidString).log"
        let child = try Subprocess(CLITests.binary, ["rebuild", "customer_overview", "--batch", "3", "--database-url", db.url.urlWithPassword,
                                                     "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections"], logPath: log)
        var killed = false
        for _ in 0..<2400 {
            if let done = try? await SQL.scalar(db, "SELECT keys_done::text FROM cutover.projection_rebuilds WHERE status = 'filling'"), Int(done) ?? 0 >= 60 {
                // Frozen first, so the progress read below is where it stopped (on a loaded
                // machine the rebuild could otherwise finish between this poll and the kill).
                Glibc.kill(child.pid, SIGSTOP)
                killed = true
                break
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        try #require(killed, "the rebuild never got going: \(child.output)")
        let doneBefore = Int(try await SQL.scalar(db, "SELECT keys_done::text FROM cutover.projection_rebuilds WHERE status = 'filling'") ?? "0") ?? 0
        child.kill()
        #expect(doneBefore >= 60 && doneBefore < 1500)
        // Readers still read the old table, complete.
        #expect(try await SQL.scalar(db, "SELECT live_table FROM cutover.projection_checkpoint WHERE projection = 'customer_overview'") == "projection.customer_overview_v2")

        // While a migration holds its lock, a rebuild refuses and says who holds it.
        let migration = try await Database.connect(db, logger: TestCluster.logger)
        try await migration.query("SELECT pg_advisory_lock(\(Migrator.advisoryLockKey))", logger: TestCluster.logger)
        await #expect {
            try await ProjectionRebuilder(projection: try overview, target: db, logger: TestCluster.logger).run()
        } throws: { error in
            (error as? DatabaseError)?.code == .migrationLockBusy && "\(error)".contains("a migration is running")
        }
        // Unlock before closing: a closed session's backend may hold its locks a moment longer.
        try await migration.query("SELECT pg_advisory_unlock(\(Migrator.advisoryLockKey))", logger: TestCluster.logger)
        try await migration.close()

        let events = RebuildEventLog()
        let result = try await ProjectorHarness.withProjector(db) {
            try await ProjectionRebuilder(projection: try overview, target: db, batchSize: 100, logger: TestCluster.logger).run { events.add($0) }
        }
        #expect(events.entries.first?.hasPrefix("started resumed") == true, "\(events.entries.prefix(3))")
        #expect(result.oldTable == "projection.customer_overview_v2" && result.shadowTable.hasPrefix("projection.customer_overview_v2_r"))
        #expect(try await ProjectorHarness.drift(db).isEmpty)
        #expect(try await SQL.scalar(db, "SELECT status FROM cutover.projection_rebuilds ORDER BY id DESC LIMIT 1") == "swapped")
        // The replaced table stays for the grace period; cleanup --all drops it.
        #expect(try await SQL.scalar(db, "SELECT to_regclass('projection.customer_overview_v2')::text") != nil)
        #expect(try await ProjectionRebuilder.cleanup(target: db, all: true, logger: TestCluster.logger) == ["projection.customer_overview_v2"])
        #expect(try await SQL.scalar(db, "SELECT to_regclass('projection.customer_overview_v2')::text") == nil)
    }

    @Test("--keys and --where recompute rows in place; a bad condition is a clear error")
    func partial() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        try await SQL.exec(db, "UPDATE projection.customer_overview_v2 SET name = 'tampered' WHERE customer_id IN (3, 4, 5)")
        let rebuilder = ProjectionRebuilder(projection: try overview, target: db, logger: TestCluster.logger)
        #expect(try await rebuilder.rebuildInPlace(keys: ["3"], where: nil) == 1)
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM projection.customer_overview_v2 WHERE name = 'tampered'") == "2")
        #expect(try await rebuilder.rebuildInPlace(keys: nil, where: "name = 'tampered'") == 2)
        #expect(try await ProjectorHarness.drift(db).isEmpty)
        await #expect {
            try await rebuilder.rebuildInPlace(keys: nil, where: "no_such_column = 1")
        } throws: { error in
            (error as? CoreError)?.code == .invalidArgument && "\(error)".contains("no_such_column")
        }
        await #expect(throws: CoreError.self) { try await rebuilder.rebuildInPlace(keys: ["x"], where: nil) }
    }

    @Test("contradictory flags are usage errors (64) before anything connects: --keys with --where, --drop-old or --no-verify in place")
    func contradictoryFlags() throws {
        let url = ["--database-url", "postgres://nobody@127.0.0.1:1/none"]
        let cases: [([String], String)] = [
            (["--keys", "1", "--where", "true"], "--keys and --where"),
            (["--keys", "1", "--drop-old"], "--drop-old needs a full rebuild"),
            (["--where", "true", "--drop-old"], "--drop-old needs a full rebuild"),
            (["--keys", "1", "--no-verify"], "apply to a full rebuild"),
            (["--no-verify", "--full-verify"], "contradict"),
        ]
        for (flags, message) in cases {
            let run = try CLITests().cutover(["rebuild", "customer_overview"] + flags + url)
            #expect(run.status == 64 && run.stderr.contains(message), "\(flags): \(run.status) \(run.stderr)")
        }
    }

    @Test("a new version is built beside the live one and swapped in; the outdated projector steps aside, the new one takes over")
    func newVersion() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        // projections/ with customer_overview at version 3 (one more column).
        let dir = NSTemporaryDirectory() + "projections-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: TestCluster.repositoryRoot + "/projections", toPath: dir)
        let yaml = dir + "/customer_overview/projection.yaml"
        try (try String(contentsOfFile: yaml, encoding: .utf8)).replacingOccurrences(of: "version: 2", with: "version: 3")
            .write(toFile: yaml, atomically: true, encoding: .utf8)
        let v3 = try ProjectionLoader.load(directory: dir)
        let overview3 = v3.first { $0.name == "customer_overview" }!
        #expect(overview3.version == 3)

        try await ProjectorHarness.withProjector(db) {
            let result = try await ProjectionRebuilder(projection: overview3, target: db, logger: TestCluster.logger).run()
            #expect(result.shadowTable == "projection.customer_overview_v3")
            // The v2 projector sees the swap and stops writing; a change now waits for a v3 projector.
            try await SQL.exec(db, "UPDATE crm.customers SET name = 'after swap' WHERE id = 7")
            try await Task.sleep(for: .milliseconds(800))
        }
        #expect(try await SQL.scalar(db, "SELECT version::text FROM cutover.projection_checkpoint WHERE projection = 'customer_overview'") == "3")
        #expect(try await SQL.scalar(db, "SELECT name FROM projection.customer_overview_v2 WHERE customer_id = 7") != "after swap")
        try await ProjectorHarness.withProjector(db, projections: v3) {
            try await ProjectorHarness.waitUntilCaughtUp(db, projections: v3, timeout: .seconds(90))
        }
        #expect(try await SQL.scalar(db, "SELECT name FROM projection.customer_overview_v3 WHERE customer_id = 7") == "after swap")
        #expect(try await ProjectorHarness.drift(db, projections: v3).isEmpty)
        // Going back is refused.
        await #expect(throws: CoreError.self) { try await ProjectionRebuilder(projection: try overview, target: db, logger: TestCluster.logger).run() }
    }
}

/// Collects rebuild events as short strings.
final class RebuildEventLog: Sendable {
    private let storage = Mutex<[String]>([])
    var entries: [String] { storage.withLock { $0 } }

    func add(_ event: ProjectionRebuilder.Event) {
        let text: String
        switch event {
        case .started(let shadow, let resumed): text = "started \(resumed ? "resumed" : "new") \(shadow)"
        case .filled(let done, let total): text = "filled \(done)/\(total)"
        case .indexed: text = "indexed"
        case .caughtUp(let n): text = "caught up \(n)"
        case .verified(let r): text = "verified \(r.isClean)"
        case .swapped(let old, let new): text = "swapped \(old) -> \(new)"
        case .droppedOld(let t): text = "dropped \(t)"
        }
        storage.withLock { $0.append(text) }
    }
}
