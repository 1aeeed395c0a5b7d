import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

/// What one rendering of the ops console shows, read from the database, the lag monitor and the
/// blackout calendar. A section that could not be read is nil and its failure is logged; the page
/// shows a generic message in its place (database errors never reach the page).
struct ConsoleData: Sendable {
    struct DeadLetter: Sendable {
        var key: String
        var error: String
        var attempts: Int
        var lastFailedAt: Double
    }

    struct Rebuild: Sendable {
        var id: Int64
        var projection: String
        var version: Int
        var status: String
        var keysTotal: Int64
        var keysDone: Int64
        var startedAt: Double
        var updatedAt: Double
        var detail: String?

        var running: Bool { ["filling", "catching_up", "verifying"].contains(status) }
    }

    struct Migration: Sendable {
        var version: Int
        var filename: String
        var phase: String
        var appliedAt: Double
        var appliedBy: String
        var durationMs: Int
    }

    var flags: FlagSnapshot?
    var history: [FlagStore.AuditEntry]?
    var mismatches: [ShadowMismatchStore.Entry]?
    /// Count and newest entries per projection (configured projections always present).
    var deadLetters: [String: (count: Int64, newest: [DeadLetter])]?
    var rebuilds: [Rebuild]?
    var migrations: [Migration]?
    var calendar: BlackoutCalendar?
    var lag: LagMonitor.Snapshot
    var lagSamples: [LagHistory.Sample]
    var historyStartedAt: Double
    var projections: [String]
    var now: Double

    static let newestDeadLetters = 5

    /// Reads every section; each failure is logged and leaves its section nil.
    static func load(client: PostgresClient, monitor: LagMonitor, calendar: @Sendable () throws -> BlackoutCalendar,
                     logger: Logger) async -> ConsoleData {
        let now = Date().timeIntervalSince1970
        var data = ConsoleData(lag: monitor.snapshot, lagSamples: monitor.history.samples(now: now), historyStartedAt: monitor.history.startedAt,
                               projections: monitor.projections.map(\.name), now: now)
        do { data.calendar = try calendar() } catch {
            logger.error("console: reading the blackout calendar failed", metadata: ["error": "\(error)"])
        }
        func section<R: Sendable>(_ what: String, _ body: @Sendable (PostgresConnection) async throws -> R) async -> R? {
            do {
                return try await client.withConnection { c in try await body(c) }
            } catch {
                logger.error("console: reading \(what) failed", metadata: ["error": "\(Database.translate(error, doing: "reading \(what)"))"])
                return nil
            }
        }
        let store = FlagStore(logger: logger)
        data.flags = await section("the flags") { c in try await store.load(on: c) }
        data.history = await section("the flag history") { c in try await store.history(on: c, name: nil, limit: 15) }
        data.mismatches = await section("the shadow mismatches") { c in try await ShadowMismatchStore(logger: logger).recent(on: c, limit: 10) }
        let projections = data.projections
        data.deadLetters = await section("the dead letters") { c in try await deadLetters(c, projections: projections, logger: logger) }
        data.rebuilds = await section("the rebuilds") { c in try await rebuilds(c, logger: logger) }
        data.migrations = await section("the migration history") { c in try await migrations(c, logger: logger) }
        return data
    }

    static func deadLetters(_ c: PostgresConnection, projections: [String], logger: Logger) async throws -> [String: (count: Int64, newest: [DeadLetter])] {
        var out: [String: (count: Int64, newest: [DeadLetter])] = [:]
        for p in projections { out[p] = (0, []) }
        guard try await Database.tableExists(c, "cutover.dead_letters", logger: logger) else { return out }
        let rows = try await c.query("""
            SELECT projection, total, key, error, attempts, extract(epoch FROM last_failed_at)::float8 FROM (
                SELECT d.*, count(*) OVER (PARTITION BY projection) AS total,
                       row_number() OVER (PARTITION BY projection ORDER BY last_failed_at DESC, key) AS n
                FROM cutover.dead_letters d) ranked
            WHERE n <= \(newestDeadLetters) ORDER BY projection, n
            """, logger: logger)
        for try await r in rows.decode((String, Int64, String, String, Int32, Double).self) {
            var entry = out[r.0] ?? (0, [])
            entry.count = r.1
            entry.newest.append(DeadLetter(key: r.2, error: r.3, attempts: Int(r.4), lastFailedAt: r.5))
            out[r.0] = entry
        }
        return out
    }

    static func rebuilds(_ c: PostgresConnection, logger: Logger) async throws -> [Rebuild] {
        guard try await Database.tableExists(c, "cutover.projection_rebuilds", logger: logger) else { return [] }
        let rows = try await c.query("""
            SELECT id, projection, version, status, keys_total, keys_done, extract(epoch FROM started_at)::float8,
                   extract(epoch FROM updated_at)::float8, detail
            FROM cutover.projection_rebuilds
            ORDER BY (status IN ('filling', 'catching_up', 'verifying')) DESC, id DESC LIMIT 5
            """, logger: logger)
        var out: [Rebuild] = []
        for try await r in rows.decode((Int64, String, Int32, String, Int64, Int64, Double, Double, String?).self) {
            out.append(Rebuild(id: r.0, projection: r.1, version: Int(r.2), status: r.3, keysTotal: r.4, keysDone: r.5, startedAt: r.6,
                               updatedAt: r.7, detail: r.8))
        }
        return out
    }

    static func migrations(_ c: PostgresConnection, logger: Logger) async throws -> [Migration] {
        guard try await Database.tableExists(c, "cutover.schema_history", logger: logger) else { return [] }
        let rows = try await c.query("""
            SELECT version, filename, phase, extract(epoch FROM applied_at)::float8, applied_by, duration_ms
            FROM cutover.schema_history ORDER BY applied_at DESC, version DESC LIMIT 10
            """, logger: logger)
        var out: [Migration] = []
        for try await r in rows.decode((Int32, String, String, Double, String, Int32).self) {
            out.append(Migration(version: Int(r.0), filename: r.1, phase: r.2, appliedAt: r.3, appliedBy: r.4, durationMs: Int(r.5)))
        }
        return out
    }
}
