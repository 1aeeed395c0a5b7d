import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// The external checkers: pgTAP (pg_prove) for the row-level security policies and masking, and
/// schemathesis for the running `cutover serve` against docs/openapi.yaml. Both must be installed
/// (scripts/test.sh does it); a missing tool fails the test rather than skipping it.
@Suite("External contract checks", .timeLimit(.minutes(10)))
struct ContractTests {
    @Test("pgTAP: fail-closed RLS, territory isolation, reader privileges and lead-protection masking")
    func pgTAP() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let run = try ProcessRunner(runAsUser: nil).run("/bin/bash", [TestCluster.repositoryRoot + "/scripts/pgtap.sh", db.url.urlWithPassword])
        #expect(run.succeeded, "pg_prove failed:\n\(run.output.suffix(3000))")
        #expect(run.output.contains("All tests successful"), "\(run.output.suffix(1500))")
    }

    @Test("schemathesis: the running read API matches docs/openapi.yaml and never answers 5xx, for an admin and a reader token")
    func openAPI() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let log = NSTemporaryDirectory() + "cutover-serve-\(UUID().uuidString).log"
        let server = try Subprocess(CLITests.binary, [
            "serve", "--database-url", db.url.urlWithPassword, "--set", "http.port=0",
            "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections", "--log-level", "error",
        ], logPath: log)
        defer { server.kill(SIGTERM) }
        var port: Int?
        for _ in 0..<300 where port == nil {
            try await Task.sleep(for: .milliseconds(100))
            if let range = server.output.range(of: "listening on http://127.0.0.1:") {
                port = Int(server.output[range.upperBound...].prefix { $0.isNumber })
            }
        }
        let base = "http://127.0.0.1:\(try #require(port, "cutover serve did not start: \(server.output)"))"
        let admin = try await APIHarness.token(db, module: "01", role: .admin, territories: ["*"])
        let reader = try await APIHarness.token(db, territories: ["DE-BY", "DE-BW"])
        for token in [admin, reader] {
            let run = try ProcessRunner(runAsUser: nil).run("/bin/bash", [TestCluster.repositoryRoot + "/scripts/api-contract.sh", base, token])
            #expect(run.succeeded, "schemathesis failed:\n\(run.output.suffix(4000))")
        }
    }
}
