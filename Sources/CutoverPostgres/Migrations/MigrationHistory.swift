import CutoverCore
import Logging
import PostgresNIO

/// Reads and writes of the migrator's bookkeeping tables in schema `cutover` (installed by the
/// engine schema, `cutover init`).
///
/// - `schema_history`: one row per applied versioned file (who, when, duration, checksum, and the
///   reason when a blackout was overridden).
/// - `repeatable_history`: the checksum each `R__` file was last applied with.
/// - `migration_progress`: how far a non-transactional file got, so a rerun resumes.
/// - `migration_log`: every apply, rollback, repair and override, append-only, for audit.
enum MigrationHistory {
    static func exists(_ connection: PostgresConnection, _ table: String, logger: Logger) async throws -> Bool {
        try await Database.tableExists(connection, table, logger: logger)
    }

    static func versions(_ connection: PostgresConnection, logger: Logger) async throws -> [AppliedMigration] {
        guard try await exists(connection, "cutover.schema_history", logger: logger) else { return [] }
        let rows = try await connection.checkedQuery("""
            SELECT version, name, filename, phase, checksum, applied_by,
                   to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), duration_ms
            FROM cutover.schema_history ORDER BY version
            """, logger: logger, doing: "reading the migration history")
        var result: [AppliedMigration] = []
        for try await (version, name, filename, phase, checksum, by, at, ms) in rows.decode((Int32, String, String, String, String, String, String, Int32).self) {
            result.append(AppliedMigration(version: Int(version), name: name, filename: filename, phase: MigrationPhase(rawValue: phase) ?? .expand,
                                           checksum: checksum, appliedBy: by, appliedAt: at, durationMilliseconds: Int(ms)))
        }
        return result
    }

    static func repeatables(_ connection: PostgresConnection, logger: Logger) async throws -> [AppliedRepeatable] {
        guard try await exists(connection, "cutover.repeatable_history", logger: logger) else { return [] }
        let rows = try await connection.checkedQuery("""
            SELECT filename, checksum, applied_by, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM cutover.repeatable_history ORDER BY filename
            """, logger: logger, doing: "reading the repeatable history")
        var result: [AppliedRepeatable] = []
        for try await (filename, checksum, by, at) in rows.decode((String, String, String, String).self) {
            result.append(AppliedRepeatable(filename: filename, checksum: checksum, appliedBy: by, appliedAt: at))
        }
        return result
    }

    /// Progress of a partly applied non-transactional file.
    struct Progress: Sendable {
        var checksum: String
        var done: Int
        var doneHash: String
        var lastError: String?
    }

    static func progress(_ connection: PostgresConnection, version: Int, logger: Logger) async throws -> Progress? {
        guard try await exists(connection, "cutover.migration_progress", logger: logger) else { return nil }
        let rows = try await connection.checkedQuery("""
            SELECT checksum, statements_done, done_hash, last_error FROM cutover.migration_progress WHERE version = \(version)
            """, logger: logger, doing: "reading migration progress")
        for try await (checksum, done, hash, error) in rows.decode((String, Int32, String, String?).self) {
            return Progress(checksum: checksum, done: Int(done), doneHash: hash, lastError: error)
        }
        return nil
    }

    static func log(_ connection: PostgresConnection, action: String, version: Int?, filename: String, checksum: String?,
                    by: String, durationMilliseconds: Int? = nil, detail: String? = nil, logger: Logger) async throws {
        try await connection.checkedQuery("""
            INSERT INTO cutover.migration_log (action, version, filename, checksum, by, duration_ms, detail)
            VALUES (\(action), \(version), \(filename), \(checksum), \(by) || current_user, \(durationMilliseconds), \(detail))
            """, logger: logger, doing: "writing the migration log")
    }
}
