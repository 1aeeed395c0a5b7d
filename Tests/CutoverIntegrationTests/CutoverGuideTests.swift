import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import Testing

/// docs/cutover-guide.md on a test cluster, with the same commands: expand → migrate (rebuild,
/// verify) → flags (shadow for 02, read_model for 02, all modules) → contract, whose guards refuse
/// and then allow it. The day the guards ask for is simulated by moving timestamps back.
@Suite("The cutover guide, end to end", .timeLimit(.minutes(10)))
struct CutoverGuideTests {
    let cli = CLITests()

    @Test("expand, rebuild and verify, shadow then read_model per module, and a guarded contract that refuses, then runs")
    func walkThrough() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let url = db.url.urlWithPassword
        // The shipped migrations plus the guide's example files, and no blackout periods (the real
        // calendar would make the test depend on the date).
        let dir = NSTemporaryDirectory() + "cutover-guide-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/migrations", withIntermediateDirectories: true)
        let root = TestCluster.repositoryRoot
        for file in try FileManager.default.contentsOfDirectory(atPath: root + "/migrations") where file.hasSuffix(".sql") {
            try FileManager.default.copyItem(atPath: "\(root)/migrations/\(file)", toPath: "\(dir)/migrations/\(file)")
        }
        try FileManager.default.copyItem(atPath: "\(root)/migrations/examples/customer-cutover/V020__legacy_customer_list_index.sql",
                                         toPath: "\(dir)/migrations/V020__legacy_customer_list_index.sql")
        let common = ["--database-url", url, "--set", "migrations.directory=\(dir)/migrations", "--set", "migrations.blackouts=none",
                      "--set", "projections.directory=\(root)/projections"]
        func run(_ args: [String], expect status: Int32 = 0) throws -> CLITests.Run {
            let r = try cli.cutover(args + common)
            #expect(r.status == status, "cutover \(args.joined(separator: " ")) exited \(r.status):\n\(r.stdout)\n\(r.stderr)")
            return r
        }

        // 1. expand
        let expand = try run(["migrate", "up", "--phase", "expand"])
        #expect(expand.stdout.contains("✓ V020__legacy_customer_list_index.sql"))
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('crm.orders_legacy_list_idx') IS NOT NULL)::text") == "true")

        // 2. migrate: rebuild the read model online and verify it
        _ = try run(["rebuild", "customer_overview"])
        let verify = try run(["verify", "customer_overview"])
        #expect(verify.stdout.contains("clean"))

        // 3. flags: shadow for module 02 — legacy serves, the read model is compared
        let token = try await APIHarness.token(db, module: "02", territories: ["DE-BY", "DE-BW"])
        let other = try await APIHarness.token(db, module: "05", territories: ["DE-BY"])
        _ = try run(["flags", "set", "customer_reads", "shadow", "--module", "02", "--reason", "guide: compare module 02"])
        try await APIHarness.withAPI(db, source: nil) { client in
            for uri in ["/v1/customers?territory=DE-BY", "/v1/customers?territory=DE-BW", "/v1/customers?territory=DE-BY&segment=HOTEL"] {
                let r = try await APIHarness.get(client, uri, token: token)
                #expect(r.status == .ok && r.headers[APIHeaders.source] == "legacy")
            }
            try await Task.sleep(for: .milliseconds(800))
        }
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.shadow_mismatches") == "0")

        // … then read_model for 02, then for every module
        _ = try run(["flags", "set", "customer_reads", "read_model", "--module", "02", "--reason", "guide: 02 reads the read model"])
        try await APIHarness.withAPI(db, source: nil) { client in
            #expect(try await APIHarness.get(client, "/v1/customers?territory=DE-BY", token: token).headers[APIHeaders.source] == "read-model")
            #expect(try await APIHarness.get(client, "/v1/customers?territory=DE-BY", token: other).headers[APIHeaders.source] == "legacy")
            try await Task.sleep(for: .milliseconds(400))
        }

        // 4. contract: the guards refuse while modules still read legacy …
        try FileManager.default.copyItem(atPath: "\(root)/migrations/examples/customer-cutover/V021__contract_customer_reads.sql",
                                         toPath: "\(dir)/migrations/V021__contract_customer_reads.sql")
        let refused = try run(["migrate", "up"], expect: 75)
        #expect(refused.stdout.contains("guard ✗ flag customer_reads = read_model for all modules — not yet: 01=legacy"), "\(refused.stdout)")
        #expect(refused.stdout.contains("guard ✓ verify customer_overview clean within 24h"), "\(refused.stdout)")
        #expect(refused.stdout.contains("guard ✓ outside blackout"), "\(refused.stdout)")
        #expect(refused.stderr.contains("guard(s) do not hold"))

        _ = try run(["flags", "set", "customer_reads", "read_model", "--all-modules", "--reason", "guide: every module on the read model"])
        let tooSoon = try run(["migrate", "up"], expect: 75)
        #expect(tooSoon.stdout.contains("guard ✓ flag customer_reads = read_model for all modules"), "\(tooSoon.stdout)")
        #expect(tooSoon.stdout.contains("guard ✗ flag customer_reads stable for 24h"), "\(tooSoon.stdout)")
        #expect(tooSoon.stdout.contains("guard ✗ no legacy reads of customer_reads for 24h"), "\(tooSoon.stdout)")
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('crm.orders_legacy_list_idx') IS NOT NULL)::text") == "true")

        // … a day later (simulated: the flag's last change and the legacy reads move back 25 hours)
        try await SQL.exec(db, "UPDATE cutover.flags SET updated_at = updated_at - interval '25 hours' WHERE name = 'customer_reads'",
                           "UPDATE cutover.read_usage SET minute = minute - interval '25 hours'")
        let plan = try run(["migrate", "plan"])
        #expect(plan.stdout.contains("V021__contract_customer_reads.sql"))
        let done = try run(["migrate", "up"])
        #expect(done.stdout.contains("✓ V021__contract_customer_reads.sql"), "\(done.stdout)")
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('crm.orders_legacy_list_idx') IS NULL)::text") == "true")

        // The legacy path still answers (slower) as an emergency brake.
        _ = try run(["flags", "set", "customer_reads", "legacy", "--module", "02", "--reason", "guide: emergency brake drill"])
        try await APIHarness.withAPI(db, source: nil) { client in
            let r = try await APIHarness.get(client, "/v1/customers?territory=DE-BY", token: token)
            #expect(r.status == .ok && r.headers[APIHeaders.source] == "legacy")
        }
        let history = try run(["flags", "history", "customer_reads"])
        #expect(history.stdout.contains("guide: every module on the read model"))
        // The guide's final `migrate status` is this run's (times aside).
        let status = try run(["migrate", "status"])
        #expect(DocsSnippet.lines(status.stdout) == DocsSnippet.output(of: "cutover migrate status", in: try DocsSnippet.doc("cutover-guide.md")),
                "\(status.stdout)")
    }
}
