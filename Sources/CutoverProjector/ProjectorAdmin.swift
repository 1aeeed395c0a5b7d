import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

/// Status and repair of projections, for `cutover projector status | retry`.
public struct ProjectorAdmin: Sendable {
    public let target: DatabaseTarget
    public let logger: Logger

    public init(target: DatabaseTarget, logger: Logger) {
        self.target = target
        self.logger = logger
    }

    /// One line of `projector status`.
    public struct Status: Sendable, Codable, Equatable {
        public var projection: String
        public var version: Int?
        public var installed: Bool
        /// Changes in the change log this projection has not applied yet.
        public var pendingChanges: Int64
        /// How stale the read model may be: the age of the oldest change it has not applied, or
        /// the time WAL has waited for the capture relay (``relayLagSeconds(on:)``), whichever
        /// is larger.
        public var lagSeconds: Double
        public var deadLetters: Int64
        public var processedChanges: Int64
        public var lastBatchAt: String?
        public var baseSnapshot: String?
    }

    public func status(_ projections: [ProjectionDefinition]) async throws -> [Status] {
        try await Database.withConnection(target, logger: logger) { c in
            var out: [Status] = []
            let relayLag = try await relayLagSeconds(on: c)
            for p in projections {
                let tables = p.sources.map { "'\($0.table)'" }.joined(separator: ", ")
                let rows = try await c.checkedQuery(PostgresQuery(unsafeSQL: """
                    SELECT cp.version, cp.base_snapshot::text, cp.processed_changes,
                           to_char(cp.last_batch_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                           (SELECT count(*) FROM cutover.change_log l WHERE l.source_table IN (\(tables)) AND NOT pg_visible_in_snapshot(l.xid, cp.base_snapshot)),
                           coalesce((SELECT extract(epoch FROM now() - min(l.created_at)) FROM cutover.change_log l
                                     WHERE l.source_table IN (\(tables)) AND NOT pg_visible_in_snapshot(l.xid, cp.base_snapshot)), 0)::float8,
                           (SELECT count(*) FROM cutover.dead_letters d WHERE d.projection = cp.projection)
                    FROM cutover.projection_checkpoint cp WHERE cp.projection = '\(p.name)'
                    """), logger: logger, doing: "reading projection status")
                var status = Status(projection: p.name, version: nil, installed: false, pendingChanges: 0, lagSeconds: 0,
                                    deadLetters: 0, processedChanges: 0, lastBatchAt: nil, baseSnapshot: nil)
                for try await (version, base, processed, last, pending, lag, dead) in rows.decode((Int32, String, Int64, String?, Int64, Double, Int64).self) {
                    status = Status(projection: p.name, version: Int(version), installed: true, pendingChanges: pending, lagSeconds: max(lag, relayLag),
                                    deadLetters: dead, processedChanges: processed, lastBatchAt: last, baseSnapshot: base)
                }
                out.append(status)
            }
            return out
        }
    }

    /// A dead-lettered key.
    public struct DeadLetter: Sendable, Codable, Equatable {
        public var projection: String
        public var key: String
        public var error: String
        public var attempts: Int
    }

    public func deadLetters(projection: String? = nil) async throws -> [DeadLetter] {
        try await Database.withConnection(target, logger: logger) { c in
            var binds = PostgresBindings()
            binds.append(projection)
            let rows = try await c.checkedQuery(PostgresQuery(unsafeSQL: """
                SELECT projection, key, error, attempts FROM cutover.dead_letters WHERE $1::text IS NULL OR projection = $1 ORDER BY projection, key
                """, binds: binds), logger: logger, doing: "reading projection status")
            var out: [DeadLetter] = []
            for try await (p, k, e, a) in rows.decode((String, String, String, Int32).self) {
                out.append(DeadLetter(projection: p, key: k, error: e, attempts: Int(a)))
            }
            return out
        }
    }

    /// Recomputes dead-lettered keys (all, or the given ones) in the table readers read (the one
    /// the checkpoint names, also after a rebuild); returns (fixed, still failing).
    public func retry(_ projections: [ProjectionDefinition], keys: [String]? = nil) async throws -> (fixed: Int, failing: Int) {
        let letters = try await deadLetters()
        var fixed = 0, failing = 0
        try await Database.withConnection(target, logger: logger) { c in
            for p in projections {
                let mine = letters.filter { $0.projection == p.name && (keys == nil || keys!.contains($0.key)) }.map(\.key)
                guard !mine.isEmpty else { continue }
                let dead = try await inLiveTransaction(c, p) { store, c in try await store.recompute(c, keys: mine) }
                failing += dead
                fixed += mine.count - dead
            }
        }
        return (fixed, failing)
    }

    /// Recomputes `keys` of `projection` in one transaction in the table readers read (the one the
    /// checkpoint names, also after a rebuild): the repair for drift `verify` found. Fails as a
    /// whole when one key fails (nothing is dead-lettered).
    public func recompute(_ projection: ProjectionDefinition, keys: [String]) async throws {
        try await Database.withConnection(target, logger: logger) { c in
            try await inLiveTransaction(c, projection) { store, c in try await store.upsert(c, keys: keys) }
        }
    }

    /// Runs `body` in one transaction with a store writing the table readers read, the
    /// checkpoint row locked throughout (see ``ProjectionStore/prepareLive(on:lockingCheckpoint:)``).
    private func inLiveTransaction<R: Sendable>(_ c: PostgresConnection, _ projection: ProjectionDefinition,
                                                _ body: (ProjectionStore, PostgresConnection) async throws -> R) async throws -> R {
        var store = ProjectionStore(projection: projection, logger: logger)
        try await store.exec(c, "BEGIN")
        do {
            try await store.prepareLive(on: c, lockingCheckpoint: true)
            let result = try await body(store, c)
            try await store.exec(c, "COMMIT")
            return result
        } catch {
            if !c.isClosed { _ = try? await c.checkedQuery("ROLLBACK", logger: logger, doing: "rolling back") }
            throw error
        }
    }
}
