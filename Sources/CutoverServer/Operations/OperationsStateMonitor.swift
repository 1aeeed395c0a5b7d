import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Exports what the short-lived CLI commands do as gauges of the long-running `cutover serve`, so
/// Prometheus can alert on them: blackouts per phase, a migration runner holding its lock, running
/// and stalled backfills, and dead letters per projection.
///
/// Polls the database every `interval` with one small set of queries (`pg_locks`,
/// `cutover.backfill_progress`, `cutover.dead_letters`) and re-reads the blackout calendar and the
/// backfill definitions, so edits take effect without a restart. A failed poll is logged, counted
/// in `cutover_operations_monitor_errors_total{stage}` and keeps the last values; it never ends the
/// service. Every gauge exists from start-up with a value (zero until known), so a scrape shows
/// the full set of names.
///
/// Gauges:
/// - `cutover_blackout_active{phase}`: 1 while the business calendar denies the phase.
/// - `cutover_migration_running`: 1 while a migration runner holds the migration lock.
/// - `cutover_backfill_running{backfill}`: 1 while a runner holds the backfill's lock.
/// - `cutover_backfill_last_progress_timestamp_seconds{backfill}`: when its progress last moved
///   (Unix seconds; 0 when it never ran).
/// - `cutover_dead_letters{projection}`: dead-lettered keys now.
/// - `cutover_operations_monitor_last_success_timestamp_seconds`: the last complete poll (0 before).
public final class OperationsStateMonitor: Service, Sendable {
    /// What the last polls found.
    public struct Snapshot: Sendable, Equatable {
        /// The phases the business calendar denies now.
        public var deniedPhases: Set<MigrationPhase> = []
        public var migrationRunning = false
        /// Backfills whose lock a runner holds.
        public var runningBackfills: Set<String> = []
        /// Unix seconds of the last progress per backfill that has a progress row.
        public var backfillProgressAt: [String: Double] = [:]
        /// Dead-lettered keys per projection (the configured ones always present).
        public var deadLetters: [String: Int64] = [:]
        /// The last poll's error, nil when it succeeded.
        public var error: String?
    }

    let client: PostgresClient
    let projections: [String]
    let backfills: @Sendable () throws -> [String]
    let calendar: @Sendable () throws -> BlackoutCalendar
    let interval: Duration
    let factory: any MetricsFactory
    let logger: Logger
    let state = Mutex(Snapshot())
    /// Whether the previous poll failed, so a failure is logged as a warning once and recovery once.
    let failing = Mutex(false)
    /// Every backfill name seen (defined or with progress), so each keeps its gauges.
    let knownBackfills: Mutex<Set<String>>

    /// - Parameters:
    ///   - client: a client of the primary (a running service of the same group).
    ///   - projections: the configured projection names; each gets a dead-letter gauge at zero.
    ///   - backfills: the defined backfill names, read on every poll.
    ///   - calendar: the blackout calendar, read on every poll.
    ///   - factory: where the metrics go (the bootstrapped system by default; tests pass their own).
    public init(client: PostgresClient, projections: [String], backfills: @escaping @Sendable () throws -> [String],
                calendar: @escaping @Sendable () throws -> BlackoutCalendar, interval: Duration = .seconds(5),
                factory: any MetricsFactory = MetricsSystem.factory, logger: Logger) {
        self.client = client
        self.projections = projections
        self.backfills = backfills
        self.calendar = calendar
        self.interval = interval
        self.factory = factory
        self.logger = logger
        knownBackfills = Mutex(Set((try? backfills()) ?? []))
        state.withLock { s in for p in projections { s.deadLetters[p] = 0 } }
        publish()
        gauge("cutover_operations_monitor_last_success_timestamp_seconds").record(0)
        for stage in Stage.allCases { errors(stage) }
    }

    /// The monitor `cutover serve` runs: backfills from `<migrations.directory>/backfills`, the
    /// calendar from `migrations.blackouts`.
    public convenience init(config: CutoverConfig, client: PostgresClient, projections: [ProjectionDefinition], logger: Logger) {
        let migrations = config.migrationsDirectory, blackouts = config.blackoutsFile
        self.init(client: client, projections: projections.map(\.name),
                  backfills: { try BackfillSource.names(migrations: migrations) },
                  calendar: { try BlackoutCalendarLoader.load(path: blackouts) }, logger: logger)
    }

    /// The values of the last poll.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Polls until the service group shuts down.
    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await poll()
            // Ends the sleep early on graceful shutdown.
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Where a poll failed (the `stage` label of the error counter).
    enum Stage: String, CaseIterable {
        case calendar, backfills, database
    }

    /// One poll: reads the calendar, the definitions and the database, then sets every gauge.
    public func poll() async {
        var problems: [String] = []
        var next = snapshot
        do {
            let calendar = try calendar()
            let now = Int64(Date().timeIntervalSince1970)
            next.deniedPhases = Set(MigrationPhase.allCases.filter { calendar.decision(for: $0, atUnix: now).policy == .deny })
        } catch {
            problems.append(failed(.calendar, error))
        }
        var names: [String] = Array(next.backfillProgressAt.keys)
        do {
            names += try backfills()
        } catch {
            problems.append(failed(.backfills, error))
        }
        do {
            try await readDatabase(into: &next, backfills: Array(Set(names)).sorted())
        } catch {
            problems.append(failed(.database, error))
        }
        next.error = problems.isEmpty ? nil : problems.joined(separator: "; ")
        state.withLock { $0 = next }
        publish()
        let wasFailing = failing.withLock { f in
            defer { f = !problems.isEmpty }
            return f
        }
        if problems.isEmpty {
            gauge("cutover_operations_monitor_last_success_timestamp_seconds").record(Date().timeIntervalSince1970)
            if wasFailing { logger.notice("operations state poll works again") }
        } else if !wasFailing {
            logger.warning("operations state poll failed; keeping the last values", metadata: ["error": "\(next.error ?? "")"])
        } else {
            logger.debug("operations state poll still failing", metadata: ["error": "\(next.error ?? "")"])
        }
    }

    private func failed(_ stage: Stage, _ error: any Error) -> String {
        errors(stage).increment()
        return "\(stage.rawValue): \(error)"
    }

    /// The migration lock, the backfill locks and progress, and the dead letters, on one connection.
    private func readDatabase(into next: inout Snapshot, backfills names: [String]) async throws {
        let migrationLock = AdvisoryLockHolder.Key.bigint(Migrator.advisoryLockKey).condition
        let backfillLock = "l.classid = (\(BackfillLock.classKey))::oid AND l.objid = (hashtext(n.name))::oid AND l.objsubid = 2"
        let advisory = "l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        let result = try await client.withConnection { c in
            var progressTable = false, deadLetterTable = false, migrationRunning = false
            let head = try await c.checkedQuery(PostgresQuery(unsafeSQL: """
                SELECT to_regclass('cutover.backfill_progress') IS NOT NULL, to_regclass('cutover.dead_letters') IS NOT NULL,
                       EXISTS (SELECT 1 FROM pg_locks l WHERE \(advisory) AND \(migrationLock))
                """), logger: logger, doing: "reading the migration lock")
            for try await (p, d, m) in head.decode((Bool, Bool, Bool).self) { (progressTable, deadLetterTable, migrationRunning) = (p, d, m) }

            var backfills: [(String, Bool, Double?)] = []
            let nameList = progressTable
                ? "SELECT unnest($1::text[]) UNION SELECT name FROM cutover.backfill_progress"
                : "SELECT unnest($1::text[])"
            let progress = progressTable
                ? "(SELECT extract(epoch FROM max(p.updated_at))::float8 FROM cutover.backfill_progress p WHERE p.name = n.name)"
                : "NULL::float8"
            let rows = try await c.checkedQuery(PostgresQuery(unsafeSQL: """
                SELECT n.name, EXISTS (SELECT 1 FROM pg_locks l WHERE \(advisory) AND \(backfillLock)), \(progress)
                FROM (\(nameList)) AS n(name)
                """, binds: Self.binds(names)), logger: logger, doing: "reading the backfill locks and progress")
            for try await row in rows.decode((String, Bool, Double?).self) { backfills.append(row) }

            var letters: [(String, Int64)] = []
            if deadLetterTable {
                let rows = try await c.checkedQuery("SELECT projection, count(*) FROM cutover.dead_letters GROUP BY projection",
                                                    logger: logger, doing: "counting dead letters")
                for try await row in rows.decode((String, Int64).self) { letters.append(row) }
            }
            return (migrationRunning, backfills, letters)
        }
        next.migrationRunning = result.0
        next.runningBackfills = Set(result.1.filter(\.1).map(\.0))
        next.backfillProgressAt = Dictionary(result.1.compactMap { name, _, at in at.map { (name, $0) } }, uniquingKeysWith: max)
        // Projections that no longer have dead letters drop to zero rather than keep an old count.
        next.deadLetters = next.deadLetters.mapValues { _ in 0 }
        for p in projections { next.deadLetters[p] = 0 }
        for (projection, count) in result.2 { next.deadLetters[projection] = count }
        knownBackfills.withLock { $0.formUnion(result.1.map(\.0)) }
    }

    private static func binds(_ names: [String]) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(names, context: .default)
        return binds
    }

    /// Sets every gauge from the snapshot.
    private func publish() {
        let s = snapshot
        for phase in MigrationPhase.allCases {
            gauge("cutover_blackout_active", [("phase", phase.rawValue)]).record(s.deniedPhases.contains(phase) ? 1 : 0)
        }
        gauge("cutover_migration_running").record(s.migrationRunning ? 1 : 0)
        for name in knownBackfills.withLock({ $0 }).sorted() {
            gauge("cutover_backfill_running", [("backfill", name)]).record(s.runningBackfills.contains(name) ? 1 : 0)
            gauge("cutover_backfill_last_progress_timestamp_seconds", [("backfill", name)]).record(s.backfillProgressAt[name] ?? 0)
        }
        for (projection, count) in s.deadLetters {
            gauge("cutover_dead_letters", [("projection", projection)]).record(Double(count))
        }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Gauge {
        Gauge(label: label, dimensions: dimensions, factory: factory)
    }

    @discardableResult
    private func errors(_ stage: Stage) -> Counter {
        Counter(label: "cutover_operations_monitor_errors_total", dimensions: [("stage", stage.rawValue)], factory: factory)
    }
}
