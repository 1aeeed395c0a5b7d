import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

extension ProjectionRebuilder {
    /// Recomputes some keys in place in the live table: the given keys, or the keys of the live
    /// rows matching `predicate` (SQL over the read table's columns). Batches serialise with the
    /// projector on the checkpoint row, so a batch never writes rows older than the projector's.
    /// A key whose recompute fails is dead-lettered as the projector would. Returns the keys done.
    public func rebuildInPlace(keys explicit: [String]?, where predicate: String?,
                               progress: @Sendable (Event) -> Void = { _ in }) async throws -> Int {
        try await Database.withConnection(target, logger: logger) { c in
            try await RebuildLock.acquire(c, projection: projection.name, logger: logger)
            return try await RebuildLock.releasing(c, projection: projection.name, logger: logger) {
                try await inPlaceLocked(c, keys: explicit, where: predicate, progress: progress)
            }
        }
    }

    private func inPlaceLocked(_ c: PostgresConnection, keys explicit: [String]?, where predicate: String?,
                               progress: @Sendable (Event) -> Void) async throws -> Int {
        guard let live = try await liveState(c) else {
            throw CoreError(.invalidProjection, "projection \(projection.name) is not installed yet; start the projector (cutover project) first")
        }
        guard live.version == projection.version else {
            throw CoreError(.invalidProjection,
                            "projections/\(projection.name) is version \(projection.version) but version \(live.version) is live; a partial rebuild recomputes with the live definition. Run a full `cutover rebuild \(projection.name)` to deploy the new version")
        }
        var store = ProjectionStore(projection: projection, table: live.table, logger: logger)
        try await store.refreshColumns(c)
        var keys = explicit ?? []
        if let predicate {
            let rows: PostgresRowSequence
            do {
                rows = try await query(c, "SELECT DISTINCT \(projection.keyColumn)::text FROM \(live.table) WHERE (\(predicate))")
            } catch let error as DatabaseError {
                throw CoreError(.invalidArgument, "--where \(predicate): \(error.message.replacingOccurrences(of: "rebuild of \(projection.name) failed: ", with: ""))")
            }
            for try await k in rows.decode(String.self) { keys.append(k) }
        }
        if projection.keyType == .bigint, let bad = keys.first(where: { Int64($0) == nil }) {
            throw CoreError(.invalidArgument, "--keys: \(bad) is not an integer key of \(projection.name)")
        }
        keys = Array(Set(keys)).sorted()
        var done = 0
        var index = 0
        while index < keys.count {
            let chunk = Array(keys[index..<min(index + batchSize, keys.count)])
            try await exec(c, "BEGIN")
            do {
                _ = try await query(c, "SELECT 1 FROM cutover.projection_checkpoint WHERE projection = '\(projection.name)' FOR UPDATE")
                _ = try await store.recompute(c, keys: chunk)
                try await exec(c, "COMMIT")
            } catch {
                _ = try? await exec(c, "ROLLBACK")
                throw error
            }
            index += chunk.count
            done += chunk.count
            progress(.filled(done: done, total: keys.count))
        }
        return done
    }

    /// Drops tables replaced by rebuilds whose grace period has passed (all of them with `now`).
    public static func cleanup(target: DatabaseTarget, all: Bool = false, logger: Logger) async throws -> [String] {
        try await Database.withConnection(target, logger: logger) { c in
            let rows = try await c.checkedQuery(PostgresQuery(unsafeSQL: """
                SELECT r.id, r.old_table FROM cutover.projection_rebuilds r
                WHERE r.status = 'swapped' AND r.old_table IS NOT NULL \(all ? "" : "AND r.drop_after <= now()")
                  AND NOT EXISTS (SELECT 1 FROM cutover.projection_checkpoint p WHERE p.live_table = r.old_table)
                ORDER BY r.id
                """), logger: logger, doing: "listing replaced tables")
            var dropped: [(Int64, String)] = []
            for try await (id, table) in rows.decode((Int64, String).self) { dropped.append((id, table)) }
            for (id, table) in dropped {
                try await c.checkedQuery(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"), logger: logger, doing: "dropping \(table)")
                try await c.checkedQuery(PostgresQuery(unsafeSQL: "UPDATE cutover.projection_rebuilds SET status = 'cleaned', updated_at = now() WHERE id = \(id)"),
                                         logger: logger, doing: "recording the cleanup")
            }
            return dropped.map(\.1)
        }
    }
}
