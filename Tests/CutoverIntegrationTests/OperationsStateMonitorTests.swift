import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import PostgresNIO
import Prometheus
import Testing

/// `cutover serve`'s operations-state gauges against real PostgreSQL: a migration runner's lock, a
/// backfill's lock and progress row, a dead letter and the blackout calendar.
@Suite("Operations state gauges", .timeLimit(.minutes(5)))
struct OperationsStateMonitorTests {
    @Test("the gauges exist at zero from the start and follow a held migration lock, a backfill's lock and progress, a dead letter and a blackout")
    func gauges() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let logger = TestCluster.logger
        // A registry of its own: the gauges are process-wide, and other tests must not see these values.
        let registry = PrometheusCollectorRegistry()
        let today = BlackoutCalendar.none.timeZone.localDate(atUnix: Int64(Date().timeIntervalSince1970))
        let calendar = BlackoutCalendar(periods: [
            BlackoutPeriod(name: "Test closing", span: .dated(from: today.adding(days: -1), to: today.adding(days: 1)), policies: [.migrate: .deny, .contract: .deny]),
        ])
        let migrations = TestCluster.migrationsDirectory
        let projections = try ProjectorHarness.projections.map(\.name)
        try await Database.withClient(db, logger: logger) { client in
            let monitor = OperationsStateMonitor(client: client, projections: projections,
                                                 backfills: { try BackfillSource.names(migrations: migrations) }, calendar: { calendar },
                                                 factory: PrometheusMetricsFactory(registry: registry), logger: logger)
            // Before the first poll every gauge is there, at zero.
            var metrics = Self.scrape(registry)
            #expect(metrics["cutover_migration_running"] == 0)
            #expect(metrics[#"cutover_backfill_running{backfill="lead_assignments"}"#] == 0)
            #expect(metrics[#"cutover_backfill_last_progress_timestamp_seconds{backfill="lead_assignments"}"#] == 0)
            #expect(metrics[#"cutover_blackout_active{phase="contract"}"#] == 0)
            for projection in projections {
                #expect(metrics[#"cutover_dead_letters{projection="\#(projection)"}"#] == 0, "\(metrics)")
            }

            await monitor.poll()
            metrics = Self.scrape(registry)
            #expect(monitor.snapshot.error == nil)
            #expect(metrics[#"cutover_blackout_active{phase="expand"}"#] == 0)
            #expect(metrics[#"cutover_blackout_active{phase="migrate"}"#] == 1)
            #expect(metrics[#"cutover_blackout_active{phase="contract"}"#] == 1)
            #expect(metrics["cutover_migration_running"] == 0)
            #expect(metrics[#"cutover_backfill_running{backfill="lead_assignments"}"#] == 0)
            #expect((metrics["cutover_operations_monitor_last_success_timestamp_seconds"] ?? 0) > 0)

            // A finished backfill leaves its progress row; then a session holds each runner's lock.
            _ = try await BackfillRunner(target: db, definition: try BackfillSource.load("lead_assignments", migrations: migrations),
                                         options: BackfillRunner.Options(), logger: logger).run()
            let progressAt = Double(try await SQL.scalar(db, "SELECT extract(epoch FROM max(updated_at))::float8::text FROM cutover.backfill_progress") ?? "") ?? 0
            try #require(progressAt > 0)
            try await SQL.exec(db, "INSERT INTO cutover.dead_letters (projection, key, error) VALUES ('customer_overview', '4711', 'division by zero')")
            let session = try await Database.connect(db, logger: logger)
            do {
                try await session.query("SELECT pg_advisory_lock(\(Migrator.advisoryLockKey))", logger: logger)
                try await session.query("SELECT pg_advisory_lock(\(BackfillLock.classKey), hashtext('lead_assignments'))", logger: logger)
                await monitor.poll()
                metrics = Self.scrape(registry)
                #expect(metrics["cutover_migration_running"] == 1)
                #expect(metrics[#"cutover_backfill_running{backfill="lead_assignments"}"#] == 1)
                let exported = metrics[#"cutover_backfill_last_progress_timestamp_seconds{backfill="lead_assignments"}"#] ?? 0
                #expect(abs(exported - progressAt) < 0.01, "exported \(exported), table \(progressAt)")
                #expect(metrics[#"cutover_dead_letters{projection="customer_overview"}"#] == 1)
                #expect(metrics[#"cutover_dead_letters{projection="territory_pipeline"}"#] == 0)
                try await session.query("SELECT pg_advisory_unlock_all()", logger: logger)
            } catch {
                try? await session.close()
                throw error
            }
            try await session.close()

            // Released and retried: back to zero; the last progress stays.
            try await SQL.exec(db, "DELETE FROM cutover.dead_letters")
            await monitor.poll()
            metrics = Self.scrape(registry)
            #expect(metrics["cutover_migration_running"] == 0)
            #expect(metrics[#"cutover_backfill_running{backfill="lead_assignments"}"#] == 0)
            #expect(metrics[#"cutover_dead_letters{projection="customer_overview"}"#] == 0)
            #expect((metrics[#"cutover_backfill_last_progress_timestamp_seconds{backfill="lead_assignments"}"#] ?? 0) > 0)
        }
    }

    @Test("a failing poll is counted and logged, keeps the last values and does not end the service")
    func failingPoll() async throws {
        let db = try await TestCluster.shared.migratedDatabase()
        let registry = PrometheusCollectorRegistry()
        try await Database.withClient(db, logger: TestCluster.logger) { client in
            let monitor = OperationsStateMonitor(client: client, projections: ["customer_overview"], backfills: { ["lead_assignments"] },
                                                 calendar: { throw CoreError(.malformedCalendar, "config/blackouts.yaml: broken") },
                                                 factory: PrometheusMetricsFactory(registry: registry), logger: TestCluster.logger)
            await monitor.poll()
            await monitor.poll()
            let metrics = Self.scrape(registry)
            #expect(metrics[#"cutover_operations_monitor_errors_total{stage="calendar"}"#] == 2)
            #expect(metrics[#"cutover_operations_monitor_errors_total{stage="database"}"#] == 0)
            #expect(monitor.snapshot.error?.contains("broken") == true)
            // The database part still ran.
            #expect(metrics[#"cutover_dead_letters{projection="customer_overview"}"#] == 0)
            #expect(metrics["cutover_operations_monitor_last_success_timestamp_seconds"] == 0)
        }
    }

    /// Series (name with labels, as exported) to value.
    static func scrape(_ registry: PrometheusCollectorRegistry) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in String(decoding: registry.emitToBuffer(), as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            out[String(line[..<space])] = value
        }
        return out
    }
}
