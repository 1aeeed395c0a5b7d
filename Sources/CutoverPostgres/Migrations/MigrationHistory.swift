import CutoverCore
import Logging
import PostgresNIO

/// The migrator's bookkeeping tables in schema `cutover`, and reads and writes of them.
///
/// - `schema_history`: one row per applied versioned file (who, when, duration, checksum, and the
///   reason when a blackout was overridden).
/// - `repeatable_history`: the checksum each `R__` file was last applied with.
/// - `migration_progress`: how far a non-transactional file got, so a rerun resumes.
/// - `migration_log`: every apply, rollback, repair and override, append-only, for audit.
enum MigrationHistory {
    /// What `migration_log.action` may say.
    static let actions = "('apply', 'repeatable', 'rollback', 'repair', 'forget', 'reset_progress', 'baseline')"

    static let ddl = [
        "CREATE SCHEMA IF NOT EXISTS cutover",
        """
        CREATE TABLE IF NOT EXISTS cutover.schema_history (
            version      integer PRIMARY KEY,
            name         text NOT NULL,
            filename     text NOT NULL,
            phase        text NOT NULL CHECK (phase IN ('expand', 'migrate', 'contract')),
            checksum     text NOT NULL,
            applied_by   text NOT NULL,
            applied_at   timestamptz NOT NULL DEFAULT now(),
            duration_ms  integer NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS cutover.repeatable_history (
            filename     text PRIMARY KEY,
            checksum     text NOT NULL,
            applied_by   text NOT NULL,
            applied_at   timestamptz NOT NULL DEFAULT now(),
            duration_ms  integer NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS cutover.migration_progress (
            version          integer PRIMARY KEY,
            filename         text NOT NULL,
            checksum         text NOT NULL,
            statements_done  integer NOT NULL,
            statements_total integer NOT NULL,
            done_hash        text NOT NULL,
            last_error       text,
            updated_at       timestamptz NOT NULL DEFAULT now()
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS cutover.migration_log (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at          timestamptz NOT NULL DEFAULT now(),
            action      text NOT NULL CONSTRAINT migration_log_action_check CHECK (action IN \(actions)),
            version     integer,
            filename    text NOT NULL,
            checksum    text,
            by          text NOT NULL,
            duration_ms integer,
            detail      text
        )
        """,
    ]

    /// Creates the tables when missing and adds columns newer versions introduced. Looks before it
    /// alters, so a run with everything in place takes no table lock.
    static func ensure(_ connection: PostgresConnection, logger: Logger) async throws {
        for sql in ddl {
            try await connection.checkedQuery(PostgresQuery(unsafeSQL: sql), logger: logger, doing: "creating the migration history tables")
        }
        let rows = try await connection.checkedQuery("""
            SELECT count(*) FROM information_schema.columns
            WHERE table_schema = 'cutover' AND table_name = 'schema_history' AND column_name = 'blackout_override'
            """, logger: logger, doing: "reading the history table's columns")
        var present = 0
        for try await n in rows.decode(Int.self) { present = n }
        if present == 0 {
            try await connection.checkedQuery("ALTER TABLE cutover.schema_history ADD COLUMN blackout_override text",
                                              logger: logger, doing: "upgrading the migration history table")
        }
        // Logs made before `migrate baseline` existed do not allow its action yet.
        let check = try await connection.checkedQuery("""
            SELECT pg_get_constraintdef(oid) LIKE '%baseline%' FROM pg_constraint
            WHERE conrelid = 'cutover.migration_log'::regclass AND conname = 'migration_log_action_check'
            """, logger: logger, doing: "reading the migration log's actions")
        var allowsBaseline = true
        for try await allowed in check.decode(Bool.self) { allowsBaseline = allowed }
        if !allowsBaseline {
            try await connection.checkedQuery(PostgresQuery(unsafeSQL: """
                ALTER TABLE cutover.migration_log DROP CONSTRAINT migration_log_action_check,
                    ADD CONSTRAINT migration_log_action_check CHECK (action IN \(actions))
                """), logger: logger, doing: "upgrading the migration log")
        }
    }

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
