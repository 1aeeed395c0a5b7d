import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

/// `cutover rebuild`: builds a projection's current definition into a shadow table beside the
/// live one while the projector keeps the live one current, catches it up from the change log,
/// verifies it and swaps readers over atomically.
///
/// The shadow is maintained through its own checkpoint row (`name~rebuild`), so the change log is
/// kept for it (the pruner honours every checkpoint) and its catch-up is the projector's own batch
/// code. Every step commits its progress in `cutover.projection_rebuilds`; a crashed rebuild is
/// resumed by running the command again.
public struct ProjectionRebuilder: Sendable {
    /// Progress reported to the caller.
    public enum Event: Sendable {
        case started(shadow: String, resumed: Bool)
        case filled(done: Int, total: Int)
        case indexed(milliseconds: Int)
        case caughtUp(changes: Int)
        case verified(ProjectionVerifier.Report)
        case swapped(oldTable: String, newTable: String)
        case droppedOld(String)
    }

    /// What a finished rebuild did.
    public struct Result: Sendable {
        public var shadowTable: String
        public var oldTable: String
        public var keys: Int
        public var milliseconds: Int
    }

    public let projection: ProjectionDefinition
    public let target: DatabaseTarget
    public let logger: Logger
    /// Keys per fill transaction. The shadow has no readers, so large batches (set-based joins
    /// instead of per-key index lookups) cost nobody anything; in place, keep them small.
    public var batchSize: Int
    /// Connections filling the shadow at once (default: the machine's cores, at most 4).
    public var jobs: Int = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
    /// How long the replaced table is kept (`cutover rebuild cleanup` drops it afterwards).
    public var graceSeconds: Int
    /// Drop the replaced table right after the swap.
    public var dropOld: Bool
    /// Compare the shadow with a recomputation before swapping.
    public var verify: Bool
    /// Keys compared before the swap (random keys of both sides, as `verify --sample`); nil = every key.
    public var verifySample: Int?

    public init(projection: ProjectionDefinition, target: DatabaseTarget, batchSize: Int = 100_000, graceSeconds: Int = 86_400,
                dropOld: Bool = false, verify: Bool = true, verifySample: Int? = 5_000, logger: Logger) {
        self.projection = projection
        self.target = target
        self.batchSize = batchSize
        self.graceSeconds = graceSeconds
        self.dropOld = dropOld
        self.verify = verify
        self.verifySample = verifySample
        self.logger = logger
    }

    static let lockClass: Int32 = 0x6376
    var checkpointName: String { "\(projection.name)~rebuild" }

    /// Runs (or resumes) the rebuild to the swap.
    public func run(progress: @Sendable (Event) -> Void = { _ in }) async throws -> Result {
        let start = ContinuousClock.now
        return try await Database.withConnection(target, logger: logger) { c in
            try await RebuildLock.acquire(c, projection: projection.name, logger: logger)
            return try await RebuildLock.releasing(c, projection: projection.name, logger: logger) {
                try await runLocked(c, start: start, progress: progress)
            }
        }
    }

    private func runLocked(_ c: PostgresConnection, start: ContinuousClock.Instant, progress: @Sendable (Event) -> Void) async throws -> Result {
        let state = try await prepare(c, progress: progress)
        var shadow = ProjectionStore(projection: projection, table: state.shadow, checkpointName: checkpointName, logger: logger)
        try await shadow.refreshColumns(c)
        if state.status == "filling" {
            try await fill(c, store: shadow, progress: progress)
            try await setStatus(c, state.id, "catching_up")
        }
        try await buildIndexes(c, shadow: state.shadow, progress: progress)
        try await catchUp(c, store: shadow, progress: progress)
        if verify {
            try await setStatus(c, state.id, "verifying")
            try await verifyShadow(c, store: shadow, progress: progress)
        }
        let old = try await swap(c, id: state.id, store: &shadow, progress: progress)
        if dropOld {
            try await exec(c, "DROP TABLE IF EXISTS \(old)")
            try await exec(c, "UPDATE cutover.projection_rebuilds SET status = 'cleaned' WHERE id = \(state.id)")
            progress(.droppedOld(old))
        }
        return Result(shadowTable: state.shadow, oldTable: old, keys: state.total, milliseconds: start.millisecondsElapsed)
    }

    // MARK: - Steps

    struct State {
        var id: Int64
        var shadow: String
        var status: String
        var total: Int
    }

    /// Finds the rebuild to resume or starts one: shadow table, checkpoint row (snapshot taken
    /// before the first row is read, so every later change is caught up), key count.
    func prepare(_ c: PostgresConnection, progress: @Sendable (Event) -> Void) async throws -> State {
        guard let live = try await liveState(c) else {
            throw CoreError(.invalidProjection, "projection \(projection.name) is not installed yet; start the projector (cutover project) once, then rebuild",
                            context: ["projection": projection.name])
        }
        if live.version > projection.version {
            throw CoreError(.invalidProjection, "projection \(projection.name) is live at version \(live.version) but projections/\(projection.name) holds version \(projection.version); refusing to go back",
                            context: ["projection": projection.name])
        }
        let rows = try await query(c, """
            SELECT id, shadow_table, status, keys_total FROM cutover.projection_rebuilds
            WHERE projection = '\(projection.name)' AND status IN ('filling', 'catching_up', 'verifying')
            """)
        for try await (id, shadow, status, total) in rows.decode((Int64, String, String, Int64).self) {
            if try await scalar(c, "SELECT (version = \(projection.version))::text FROM cutover.projection_checkpoint WHERE projection = '\(checkpointName)'") == "true" {
                progress(.started(shadow: shadow, resumed: true))
                return State(id: id, shadow: shadow, status: status, total: Int(total))
            }
            // Started for another definition version: abandon it and start over.
            try await abandon(c, id: id, shadow: shadow)
        }
        let id = Int64(try await scalar(c, """
            INSERT INTO cutover.projection_rebuilds (projection, version, shadow_table, status, old_table)
            VALUES ('\(projection.name)', \(projection.version), '', 'filling', '\(live.table)') RETURNING id::text
            """) ?? "0") ?? 0
        let shadow = live.version == projection.version || live.table == projection.table
            ? "projection.\(projection.versionedName)_r\(id)" : projection.table
        let shadowName = String(shadow.split(separator: ".").last!)
        try await exec(c, "BEGIN")
        try await exec(c, "DROP TABLE IF EXISTS \(shadow)")
        for statement in try SQLStatementSplitter().split(projection.renderedTableSQL(table: shadow, name: shadowName)) where !Self.isIndex(statement.sql) {
            try await exec(c, statement.sql)
        }
        try await exec(c, """
            INSERT INTO cutover.projection_checkpoint (projection, version, live_table, base_snapshot)
            VALUES ('\(checkpointName)', \(projection.version), '\(shadow)', pg_current_snapshot())
            ON CONFLICT (projection) DO UPDATE SET version = EXCLUDED.version, live_table = EXCLUDED.live_table,
                base_snapshot = EXCLUDED.base_snapshot, target_snapshot = NULL, after_id = 0, needs_rebuild = false, built_at = now()
            """)
        try await exec(c, "DELETE FROM cutover.dead_letters WHERE projection = '\(checkpointName)'")
        let total = Int(try await scalar(c, "SELECT count(*)::text FROM (\(projection.allKeysSQL.trimmingSemicolonAndWhitespace())) AS all_keys") ?? "0") ?? 0
        try await exec(c, "UPDATE cutover.projection_rebuilds SET shadow_table = '\(shadow)', keys_total = \(total) WHERE id = \(id)")
        try await exec(c, "COMMIT")
        progress(.started(shadow: shadow, resumed: false))
        return State(id: id, shadow: shadow, status: "filling", total: total)
    }

    static func isIndex(_ sql: String) -> Bool {
        let lower = sql.lowercased()
        return lower.hasPrefix("create index") || lower.hasPrefix("create unique index")
    }

    func liveState(_ c: PostgresConnection) async throws -> (version: Int, table: String)? {
        let rows = try await query(c, "SELECT version, live_table FROM cutover.projection_checkpoint WHERE projection = '\(projection.name)'")
        for try await (v, t) in rows.decode((Int32, String).self) { return (Int(v), t) }
        return nil
    }

    func abandon(_ c: PostgresConnection, id: Int64, shadow: String) async throws {
        if !shadow.isEmpty { try await exec(c, "DROP TABLE IF EXISTS \(shadow)") }
        try await exec(c, "DELETE FROM cutover.projection_checkpoint WHERE projection = '\(checkpointName)'")
        try await exec(c, "UPDATE cutover.projection_rebuilds SET status = 'failed', detail = 'abandoned: the definition changed', finished_at = now() WHERE id = \(id)")
    }

    func setStatus(_ c: PostgresConnection, _ id: Int64, _ status: String) async throws {
        try await exec(c, "UPDATE cutover.projection_rebuilds SET status = '\(status)', updated_at = now() WHERE id = \(id)")
    }

    func exec(_ c: PostgresConnection, _ sql: String) async throws {
        try await c.checkedQuery(PostgresQuery(unsafeSQL: sql), logger: logger, doing: "rebuild of \(projection.name)")
    }

    func query(_ c: PostgresConnection, _ sql: String) async throws -> PostgresRowSequence {
        try await c.checkedQuery(PostgresQuery(unsafeSQL: sql), logger: logger, doing: "rebuild of \(projection.name)")
    }

    func scalar(_ c: PostgresConnection, _ sql: String) async throws -> String? {
        for try await value in try await query(c, sql).decode(String?.self) { return value }
        return nil
    }
}
