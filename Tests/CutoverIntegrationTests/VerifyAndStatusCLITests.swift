import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Testing

@Suite("verify and projector status through the CLI", .timeLimit(.minutes(5)))
struct VerifyAndStatusCLITests {
    @Test("verify is clean after a build, reports tampered rows with their keys, columns and both values, and exits 1", .timeLimit(.minutes(3)))
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
        let id = try #require(try await SQL.scalar(db, "SELECT min(customer_id)::text FROM \(overview) WHERE street IS NOT NULL"))
        let value = { (column: String) in try #require(try await SQL.scalar(db, "SELECT \(column)::text FROM \(overview) WHERE customer_id = \(id)")) }
        let (name, segment, street, orders) = (try await value("name"), try await value("segment"), try await value("street"), try #require(Int(try await value("order_count"))))
        // Four columns: a string, one longer than the 200 characters shown, one set to NULL, a number.
        try await SQL.exec(db, "UPDATE \(overview) SET name = 'tampered', segment = repeat('x', 300), street = NULL, order_count = order_count + 7 WHERE customer_id = \(id)",
                           "DELETE FROM \(followUps) WHERE sample_id = (SELECT min(sample_id) FROM \(followUps))")
        let drift = try cli.cutover(["verify", "customer_overview", "sample_followups"] + args)
        #expect(drift.status == 1)
        #expect(drift.stdout.contains("DRIFT") && drift.stdout.contains("differing keys: \(id)") && drift.stdout.contains("missing keys:"))
        let cut = String(repeating: "x", count: 200) + "…"
        let line = "  key \(id): name: live \"tampered\" ≠ recomputed \"\(name)\"; segment: live \"\(cut)\" ≠ recomputed \"\(segment)\"; "
            + "street: live NULL ≠ recomputed \"\(street)\"; order_count: live \(orders + 7) ≠ recomputed \(orders)\n"
        #expect(drift.stdout.contains(line), "\(drift.stdout)")
        // A sample larger than the data covers every key, so it must find the same drift; a bad sample is a usage error.
        let sampled = try cli.cutover(["verify", "customer_overview", "--sample", "100000"] + args)
        #expect(sampled.status == 1 && sampled.stdout.contains("differing keys: \(id)") && sampled.stdout.contains(line) && sampled.stdout.contains("sample:"))
        let sampleClean = try cli.cutover(["verify", "territory_pipeline", "--sample", "3"] + args)
        #expect(sampleClean.status == 0 && sampleClean.stdout.contains("clean"), "\(sampleClean.stdout) \(sampleClean.stderr)")
        #expect(try cli.cutover(["verify", "--sample", "0"] + args).status == 64)
        #expect(try cli.cutover(["verify", "--sample", "5", "--full"] + args).status == 64)
        // A composite key (territory/segment) and a numeric column, shown bare.
        let pipeline = tables["territory_pipeline"]!
        let pipelineKey = try #require(try await SQL.scalar(db, "SELECT min(territory_code || '/' || segment) FROM \(pipeline)"))
        let pipelineRow = "territory_code || '/' || segment = '\(pipelineKey)'"
        let revenue = try #require(try await SQL.scalar(db, "SELECT revenue::text FROM \(pipeline) WHERE \(pipelineRow)"))
        try await SQL.exec(db, "UPDATE \(pipeline) SET revenue = revenue + 0.5 WHERE \(pipelineRow)")
        let tamperedRevenue = try #require(try await SQL.scalar(db, "SELECT revenue::text FROM \(pipeline) WHERE \(pipelineRow)"))
        let pipelineDrift = try cli.cutover(["verify", "territory_pipeline"] + args)
        #expect(pipelineDrift.status == 1 && pipelineDrift.stdout.contains("  key \(pipelineKey): revenue: live \(tamperedRevenue) ≠ recomputed \(revenue)\n"),
                "\(pipelineDrift.stdout)")
        let json = try cli.cutover(["verify", "--format", "json"] + args)
        #expect(json.status == 1 && json.stdout.contains("\"differing\" : 1") && json.stdout.contains("\"live\" : null"))
        let decoded = try JSONDecoder().decode([String: [ProjectionVerifier.Report]].self, from: Data(json.stdout.utf8))
        let reports = Dictionary(uniqueKeysWithValues: try #require(decoded["projections"]).map { ($0.projection, $0) })
        #expect(reports["customer_overview"]?.differences == [ProjectionVerifier.Difference(key: id, columns: [
            .init(column: "name", type: "text", live: "tampered", recomputed: name),
            .init(column: "segment", type: "text", live: cut, recomputed: segment),
            .init(column: "street", type: "text", live: nil, recomputed: street),
            .init(column: "order_count", type: "integer", live: "\(orders + 7)", recomputed: "\(orders)"),
        ])])
        #expect(reports["territory_pipeline"]?.differences == [ProjectionVerifier.Difference(key: pipelineKey, columns: [
            .init(column: "revenue", type: "numeric(14,2)", live: tamperedRevenue, recomputed: revenue),
        ])])
        #expect(reports["sample_followups"]?.differences == [] && reports["sample_followups"]?.missing == 1)
        let unknown = try cli.cutover(["verify", "nope"] + args)
        #expect(unknown.status == 64 && unknown.stderr.contains("unknown projection nope"))
        let status = try cli.cutover(["projector", "status", "--format", "json"] + args)
        #expect(status.status == 0 && status.stdout.contains("\"projection\" : \"customer_overview\"") && status.stdout.contains("\"installed\" : true"))
    }
}
