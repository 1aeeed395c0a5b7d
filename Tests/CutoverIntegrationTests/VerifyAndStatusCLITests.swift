import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Testing

@Suite("verify and projector status through the CLI", .timeLimit(.minutes(5)))
struct VerifyAndStatusCLITests {
    @Test("verify is clean after a build, reports tampered rows with their keys and exits 1")
    func verifyFindsDrift() async throws {
        let db = try await TestCluster.shared.seededDatabase()
        try await Database.withConnection(db, logger: TestCluster.logger) { c in
            for p in try ProjectorHarness.projections {
                var store = ProjectionStore(projection: p, logger: TestCluster.logger)
                try await store.installIfNeeded(on: c)
            }
        }
        let cli = CLITests()
        let args = ["--database-url", db.url.urlWithPassword, "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections"]
        let clean = try cli.cutover(["verify"] + args)
        #expect(clean.status == 0 && clean.stdout.contains("clean"))
        let tables = Dictionary(uniqueKeysWithValues: try ProjectorHarness.projections.map { ($0.name, $0.table) })
        let (overview, followUps) = (tables["customer_overview"]!, tables["sample_followups"]!)
        let id = try #require(try await SQL.scalar(db, "SELECT min(customer_id)::text FROM \(overview)"))
        try await SQL.exec(db, "UPDATE \(overview) SET name = 'tampered' WHERE customer_id = \(id)",
                           "DELETE FROM \(followUps) WHERE sample_id = (SELECT min(sample_id) FROM \(followUps))")
        let drift = try cli.cutover(["verify", "customer_overview", "sample_followups"] + args)
        #expect(drift.status == 1)
        #expect(drift.stdout.contains("DRIFT") && drift.stdout.contains("differing keys: \(id)") && drift.stdout.contains("missing keys:"))
        // A sample larger than the data covers every key, so it must find the same drift; a bad sample is a usage error.
        let sampled = try cli.cutover(["verify", "customer_overview", "--sample", "100000"] + args)
        #expect(sampled.status == 1 && sampled.stdout.contains("differing keys: \(id)") && sampled.stdout.contains("sample:"))
        let sampleClean = try cli.cutover(["verify", "territory_pipeline", "--sample", "3"] + args)
        #expect(sampleClean.status == 0 && sampleClean.stdout.contains("clean"), "\(sampleClean.stdout) \(sampleClean.stderr)")
        #expect(try cli.cutover(["verify", "--sample", "0"] + args).status == 64)
        #expect(try cli.cutover(["verify", "--sample", "5", "--full"] + args).status == 64)
        let json = try cli.cutover(["verify", "--format", "json"] + args)
        #expect(json.status == 1 && json.stdout.contains("\"differing\" : 1"))
        let unknown = try cli.cutover(["verify", "nope"] + args)
        #expect(unknown.status == 64 && unknown.stderr.contains("unknown projection nope"))
        let status = try cli.cutover(["projector", "status", "--format", "json"] + args)
        #expect(status.status == 0 && status.stdout.contains("\"projection\" : \"customer_overview\"") && status.stdout.contains("\"installed\" : true"))
    }
}
