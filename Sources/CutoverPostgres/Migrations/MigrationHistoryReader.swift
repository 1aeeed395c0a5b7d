import CutoverCore
import Logging
import PostgresNIO

/// Read-only access to the migration history for tools that do not run migrations.
public enum MigrationHistoryReader {
    /// Applied versioned files; empty when the history does not exist yet.
    public static func versions(_ connection: PostgresConnection, logger: Logger) async throws -> [AppliedMigration] {
        try await MigrationHistory.versions(connection, logger: logger)
    }
}

extension MigrationHistoryReader {
    /// A partly applied non-transactional file.
    public struct Partial: Sendable {
        public var version: Int
        public var filename: String
        public var done: Int
        public var total: Int
        public var lastError: String?
    }

    /// Non-transactional files that stopped midway (resumed by the next `migrate up`).
    public static func partials(_ connection: PostgresConnection, logger: Logger) async throws -> [Partial] {
        guard try await MigrationHistory.exists(connection, "cutover.migration_progress", logger: logger) else { return [] }
        let rows = try await connection.checkedQuery("""
            SELECT version, filename, statements_done, statements_total, last_error FROM cutover.migration_progress ORDER BY version
            """, logger: logger, doing: "reading migration progress")
        var out: [Partial] = []
        for try await (v, f, d, t, e) in rows.decode((Int32, String, Int32, Int32, String?).self) {
            out.append(Partial(version: Int(v), filename: f, done: Int(d), total: Int(t), lastError: e))
        }
        return out
    }
}
