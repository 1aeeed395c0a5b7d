import CutoverCore
import CutoverPostgres
import CutoverProjector
import CutoverServer
import Foundation
import Testing

/// A frozen projector must not look healthy: its lag grows on every surface while it is stopped
/// (issue: stale reads labelled fresh because lag was measured on the change log, which only the
/// projector's own relay fills).
@Suite("Lag that cannot lie", .serialized, .timeLimit(.minutes(5)))
struct LagTruthTests {
    func projectorStatus(_ db: DatabaseTarget) throws -> (projections: [[String: Any]], capture: [String: Any]?) {
        let run = try CLITests().cutover(["projector", "status", "--format", "json", "--database-url", db.url.urlWithPassword,
                                          "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
        return (json["projections"] as? [[String: Any]] ?? [], json["capture"] as? [String: Any])
    }

    func metric(_ serve: ServeProcess, _ name: String) async throws -> Double? {
        let response = try await serve.get("/metrics", token: nil)
        for line in response.body.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    @Test("SIGSTOP of the projector: lag grows in projector status, the lag header, /health/ready and the metric; SIGCONT: back to current")
    func frozenProjectorShowsLag() async throws {
        let db = try await TestCluster.shared.seededDatabase()
        let log = NSTemporaryDirectory() + "cutover-lag-\(UUID().uuidString.prefix(8)).log"
        let projector = try Subprocess(CLITests.binary, [
            "project", "--database-url", db.url.urlWithPassword, "--log-level", "info",
            "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections", "--set", "http.port=0",
        ], logPath: log)
        defer { projector.kill(SIGKILL) }
        try await ProjectorHarness.waitUntilCaughtUp(db)
        let serve = try await ServeProcess(db, settings: ["api.forceSource=read-model"])
        defer { serve.stop() }
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        let id = try #require(try await SQL.scalar(db, "SELECT min(id)::text FROM crm.customers WHERE territory_code = 'DE-BY'"))

        // Healthy first: ready, and the lag reads near zero.
        var ready = false
        for _ in 0..<100 where !ready {
            ready = try await serve.get("/health/ready", token: nil).status == .ok
            if !ready { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(ready, "serve never became ready with a running projector")
        #expect((try projectorStatus(db).projections.compactMap { $0["lagSeconds"] as? Double }.max() ?? 99) < 3)

        // Freeze the projector (its relay too), then write.
        kill(projector.pid, SIGSTOP)
        try await SQL.exec(db, "UPDATE crm.customers SET name = 'Frozen Projector Test' WHERE id = \(id)")
        try await Task.sleep(for: .seconds(8))

        let status = try projectorStatus(db)
        for row in status.projections {
            #expect((row["lagSeconds"] as? Double ?? 0) >= 5, "projector status shows \(row) while the projector is frozen")
        }
        #expect((status.capture?["relayLagSeconds"] as? Double ?? 0) >= 5, "capture: \(String(describing: status.capture))")
        let read = try await serve.get("/v1/customers/\(id)", token: token)
        #expect(read.status == .ok)
        #expect(!read.body.contains("Frozen Projector Test"))  // stale, as it must be while frozen…
        #expect(Double(read.headers[APIHeaders.projectionLag] ?? "0") ?? 0 >= 5, "…but labelled fresh: \(read.headers)")
        let notReady = try await serve.get("/health/ready", token: nil)
        #expect(notReady.status == .serviceUnavailable, "ready while the projector is frozen: \(notReady.body)")
        #expect(try await metric(serve, "cutover_api_read_model_lag_seconds") ?? 0 >= 5)

        // Thawed: it catches up and every surface says so again.
        kill(projector.pid, SIGCONT)
        try await ProjectorHarness.waitUntilCaughtUp(db)
        var thawed = false
        for _ in 0..<100 where !thawed {
            let again = try await serve.get("/v1/customers/\(id)", token: token)
            let readyAgain = try await serve.get("/health/ready", token: nil).status == .ok
            thawed = again.body.contains("Frozen Projector Test") && (Double(again.headers[APIHeaders.projectionLag] ?? "99") ?? 99) < 3 && readyAgain
            if !thawed { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(thawed, "after SIGCONT the read model, its lag header and readiness did not recover")
        #expect((try projectorStatus(db).projections.compactMap { $0["lagSeconds"] as? Double }.max() ?? 99) < 3)
    }
}
