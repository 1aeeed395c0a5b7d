import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Testing

/// Repairs after a rebuild write the table readers read (the one the checkpoint names), not the
/// table the definition names: `projector recompute` and `projector retry` with the replaced
/// table kept, dropped by `rebuild cleanup`, and dropped by `rebuild --drop-old`.
@Suite("repairs after a rebuild", .timeLimit(.minutes(8)))
struct RepairAfterRebuildTests {
    let cli = CLITests()

    func arguments(_ db: DatabaseTarget) -> [String] {
        ["--database-url", db.url.urlWithPassword, "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections"]
    }

    func liveTable(_ db: DatabaseTarget) async throws -> String {
        try #require(try await SQL.scalar(db, "SELECT live_table FROM cutover.projection_checkpoint WHERE projection = 'customer_overview'"))
    }

    /// Tampers with key `key` of the live table, repairs it with `projector recompute` and with
    /// `projector retry` (after dead-lettering it), and expects the live row right both times.
    func expectRepairsHitLiveTable(_ db: DatabaseTarget, key: Int) async throws {
        let live = try await liveTable(db)
        let name = try #require(try await SQL.scalar(db, "SELECT name FROM \(live) WHERE customer_id = \(key)"))
        try await SQL.exec(db, "UPDATE \(live) SET name = 'tampered' WHERE customer_id = \(key)")
        let recompute = try cli.cutover(["projector", "recompute", "customer_overview", "--key", "\(key)"] + arguments(db))
        #expect(recompute.status == 0, "\(recompute.stderr)")
        #expect(try await SQL.scalar(db, "SELECT name FROM \(live) WHERE customer_id = \(key)") == name, "recompute left \(live) stale")

        try await SQL.exec(db, "UPDATE \(live) SET name = 'tampered' WHERE customer_id = \(key)",
                           "INSERT INTO cutover.dead_letters (projection, key, error) VALUES ('customer_overview', '\(key)', 'drill')")
        let retry = try cli.cutover(["projector", "retry"] + arguments(db))
        #expect(retry.status == 0 && retry.stdout.contains("recomputed 1 dead-lettered key(s); 0 still failing"), "\(retry.stdout) \(retry.stderr)")
        #expect(try await SQL.scalar(db, "SELECT name FROM \(live) WHERE customer_id = \(key)") == name, "retry left \(live) stale")
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.dead_letters") == "0")
        #expect(try await ProjectorHarness.drift(db).isEmpty)
    }

    @Test("recompute and retry write the swapped-in table while the replaced one is kept, and after cleanup dropped it")
    func keptThenCleanedUp() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let overview = try #require(try ProjectorHarness.projections.first { $0.name == "customer_overview" })
        let result = try await ProjectionRebuilder(projection: overview, target: db, logger: TestCluster.logger).run()
        #expect(try await liveTable(db) == result.shadowTable && result.shadowTable != overview.table)
        try await expectRepairsHitLiveTable(db, key: 4)

        let cleanup = try cli.cutover(["rebuild", "cleanup", "--all"] + arguments(db))
        #expect(cleanup.status == 0 && cleanup.stdout.contains("dropped \(overview.table)"), "\(cleanup.stdout) \(cleanup.stderr)")
        try await expectRepairsHitLiveTable(db, key: 5)
    }

    @Test("recompute and retry write the swapped-in table after rebuild --drop-old")
    func afterDropOld() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let rebuild = try cli.cutover(["rebuild", "customer_overview", "--drop-old"] + arguments(db))
        #expect(rebuild.status == 0 && rebuild.stdout.contains("dropped projection.customer_overview_v2"), "\(rebuild.stdout) \(rebuild.stderr)")
        #expect(try await SQL.scalar(db, "SELECT to_regclass('projection.customer_overview_v2')::text") == nil)
        try await expectRepairsHitLiveTable(db, key: 6)
    }
}
