import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// Runs the projector in-process for a test and helps waiting for it.
enum ProjectorHarness {
    static var projections: [ProjectionDefinition] {
        get throws { try ProjectionLoader.load(directory: TestCluster.repositoryRoot + "/projections") }
    }

    /// The repository's declared read views.
    static var views: [ViewDeclaration] {
        get throws { try ViewLoader.load(directory: TestCluster.repositoryRoot + "/projections") }
    }

    static let fastSettings = ProjectorSettings(batchSize: 200, pollAfterWakeup: .milliseconds(10), fallbackPoll: .milliseconds(300),
                                                leaseRetry: .milliseconds(200), pruneInterval: .milliseconds(500))

    /// `cutover project` as its own process against `target`, with the repository's projections,
    /// logging to a temporary file; the caller kills it (SIGSTOP/SIGCONT to freeze it).
    static func process(_ target: DatabaseTarget, name: String, logLevel: String = "warning") throws -> Subprocess {
        try Subprocess(CLITests.binary, [
            "project", "--database-url", target.url.urlWithPassword, "--log-level", logLevel,
            "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections", "--set", "http.port=0",
        ], logPath: NSTemporaryDirectory() + "cutover-\(name)-\(UUID().uuidString.prefix(8)).log")
    }

    /// Runs `body` while a projector service runs against `target`; shuts it down gracefully after.
    static func withProjector<R: Sendable>(_ target: DatabaseTarget, projections: [ProjectionDefinition]? = nil,
                                           settings: ProjectorSettings = fastSettings,
                                           _ body: @Sendable () async throws -> R) async throws -> R {
        let service = ProjectorService(projections: try projections ?? self.projections, target: target, settings: settings, logger: TestCluster.logger)
        let group = ServiceGroup(configuration: .init(services: [service], logger: TestCluster.logger))
        return try await withThrowingTaskGroup(of: R?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            do {
                let result = try await body()
                await group.triggerGracefulShutdown()
                while let value = try await tasks.next() { if value != nil { break } }
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    /// Waits until every projection is installed and has no pending change; fails after `timeout`.
    static func waitUntilCaughtUp(_ target: DatabaseTarget, projections: [ProjectionDefinition]? = nil,
                                  timeout: Duration = .seconds(60)) async throws {
        let projections = try projections ?? self.projections
        let admin = ProjectorAdmin(target: target, logger: TestCluster.logger)
        let deadline = ContinuousClock.now + timeout
        var last: [ProjectorAdmin.Status] = []
        // Everything committed before this point must have been relayed from the WAL, then applied.
        let since = try await admin.currentWAL()
        while ContinuousClock.now < deadline {
            if (try? await admin.caughtUp(projections, since: since)) == true { return }
            last = (try? await admin.status(projections)) ?? []
            try await Task.sleep(for: .milliseconds(25))
        }
        let capture = try? await admin.captureStatus()
        // What the database's sessions were doing, to tell a stuck lease from a stuck batch.
        let sessions = (try? await SQL.column(target, """
            SELECT application_name || ' ' || state || ' wait=' || coalesce(wait_event_type || ':' || wait_event, '-') || ' q=' || left(query, 80)
            FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            """)) ?? []
        let locks = (try? await SQL.column(target, """
            SELECT l.pid || ' ' || l.locktype || ' ' || coalesce(l.classid::text, '') || ':' || coalesce(l.objid::text, '') || ' granted=' || l.granted
            FROM pg_locks l WHERE l.locktype = 'advisory'
            """)) ?? []
        Issue.record("projector did not catch up within \(timeout) (WAL \(since)): \(last)\ncapture: \(String(describing: capture))\nsessions: \(sessions)\nadvisory locks: \(locks)")
    }

    /// Drift of every projection (empty when all are clean).
    static func drift(_ target: DatabaseTarget, projections: [ProjectionDefinition]? = nil) async throws -> [ProjectionVerifier.Report] {
        let projections = try projections ?? self.projections
        return try await Database.withConnection(target, logger: TestCluster.logger) { c in
            var dirty: [ProjectionVerifier.Report] = []
            for p in projections {
                let report = try await ProjectionVerifier(projection: p, logger: TestCluster.logger).verify(on: c)
                if !report.isClean { dirty.append(report) }
            }
            return dirty
        }
    }
}
