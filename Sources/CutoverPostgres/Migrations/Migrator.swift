import CutoverCore
import Foundation
import Logging
import PostgresNIO

/// Applies pending migrations: one runner at a time (advisory lock), each file in a transaction,
/// history with checksums in `cutover.schema_history`.
public struct Migrator: Sendable {
    /// The advisory lock key every runner takes (`'cutover.migrate'` hashed, fixed forever).
    public static let advisoryLockKey: Int64 = 0x6375_746f_7665_72  // "cutover"

    public var target: DatabaseTarget
    public var catalog: MigrationCatalog
    /// How long a second runner waits for the lock before failing.
    public var lockWaitSeconds: Double
    /// Who runs it, recorded in the history.
    public var operatorName: String
    public var logger: Logger

    public init(target: DatabaseTarget, catalog: MigrationCatalog, lockWaitSeconds: Double = 30,
                operatorName: String = Migrator.defaultOperatorName(), logger: Logger) {
        self.target = target
        self.catalog = catalog
        self.lockWaitSeconds = lockWaitSeconds
        self.operatorName = operatorName
        self.logger = logger
    }

    /// The OS user name, for the history's `applied_by`.
    public static func defaultOperatorName() -> String {
        if let name = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] { return name }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(geteuid())"
    }

    /// Reads the recorded history (empty when the history table does not exist yet).
    public func history() async throws -> [AppliedMigration] {
        try await Database.withConnection(target, logger: logger) { connection in
            try await Self.readHistory(connection, logger: logger)
        }
    }

    /// Status of every file and history row.
    public func status() async throws -> [MigrationPlanner.Entry] {
        MigrationPlanner().status(catalog: catalog, applied: try await history())
    }

    /// Applies every pending migration up to `targetVersion` and returns the files applied.
    @discardableResult
    public func up(to targetVersion: Int? = nil, phases: Set<MigrationPhase> = Set(MigrationPhase.allCases),
                   progress: @Sendable (MigrationEvent) -> Void = { _ in }) async throws -> [MigrationFile] {
        let connection = try await Database.connect(target, logger: logger)
        do {
            try await acquireLock(connection, progress: progress)
        } catch {
            try? await connection.close()
            throw error
        }
        do {
            try await ensureHistoryTable(connection)
            let applied = try await Self.readHistory(connection, logger: logger)
            let pending = try MigrationPlanner().pending(catalog: catalog, applied: applied, target: targetVersion, phases: phases)
            if pending.isEmpty { progress(.nothingToDo) }
            for file in pending {
                try await apply(file, on: connection, progress: progress)
            }
            try await releaseLock(connection)
            try? await connection.close()
            return pending
        } catch {
            // Closing the session releases the advisory lock even if the unlock fails.
            try? await releaseLock(connection)
            try? await connection.close()
            throw error
        }
    }

    // MARK: - Steps

    private func acquireLock(_ connection: PostgresConnection, progress: @Sendable (MigrationEvent) -> Void) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(lockWaitSeconds * 1000))
        var announced = false
        while true {
            let rows = try await run(connection, "SELECT pg_try_advisory_lock(\(Self.advisoryLockKey))", doing: "taking the migration lock")
            var got = false
            for try await (value) in rows.decode(Bool.self) { got = value }
            if got { progress(.lockAcquired); return }
            let holder = try await lockHolder(connection)
            if !announced { progress(.waitingForLock(holder: holder)); announced = true }
            if ContinuousClock.now >= deadline {
                throw DatabaseError(.migrationLockBusy,
                                    "another migration runner holds the lock (\(holder)); waited \(Int(lockWaitSeconds)) s. Retry when it has finished",
                                    context: ["holder": holder])
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private func lockHolder(_ connection: PostgresConnection) async throws -> String {
        let key = Self.advisoryLockKey
        let rows = try await run(connection, """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS'), '')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted
              AND l.classid = \(UInt32(truncatingIfNeeded: key >> 32)) AND l.objid = \(UInt32(truncatingIfNeeded: key))
            LIMIT 1
            """, doing: "looking up the lock holder")
        for try await (pid, app, user, since) in rows.decode((Int32, String, String, String).self) {
            return "pid \(pid), \(app.isEmpty ? "unknown application" : app), user \(user), connected since \(since)"
        }
        return "unknown session"
    }

    private func releaseLock(_ connection: PostgresConnection) async throws {
        try await run(connection, "SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", doing: "releasing the migration lock")
    }

    private func ensureHistoryTable(_ connection: PostgresConnection) async throws {
        for sql in Self.historyDDL {
            try await run(connection, sql, doing: "creating the migration history table")
        }
    }

    static let historyDDL = [
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
    ]

    private func apply(_ file: MigrationFile, on connection: PostgresConnection, progress: @Sendable (MigrationEvent) -> Void) async throws {
        progress(.started(file))
        let start = ContinuousClock.now
        let total = file.statements.count
        if file.transactional {
            try await run(connection, "BEGIN", doing: "starting the transaction for \(file.filename)")
            do {
                for (index, statement) in file.statements.enumerated() {
                    try await execute(statement, of: file, on: connection)
                    progress(.statementFinished(file, index: index + 1, of: total))
                }
                try await record(file, start: start, on: connection)
                try await run(connection, "COMMIT", doing: "committing \(file.filename)")
            } catch {
                _ = try? await run(connection, "ROLLBACK", doing: "rolling back \(file.filename)")
                throw error
            }
        } else {
            for (index, statement) in file.statements.enumerated() {
                try await execute(statement, of: file, on: connection)
                progress(.statementFinished(file, index: index + 1, of: total))
            }
            try await record(file, start: start, on: connection)
        }
        let ms = start.millisecondsElapsed
        progress(.finished(file, milliseconds: ms))
        logger.debug("migration applied", metadata: ["file": "\(file.filename)", "ms": "\(ms)"])
    }

    private func execute(_ statement: SQLStatementSplitter.Statement, of file: MigrationFile, on connection: PostgresConnection) async throws {
        do {
            try await connection.checkedQuery(PostgresQuery(unsafeSQL: statement.sql), logger: logger, doing: "statement")
        } catch {
            let translated = Database.translate(error, doing: "statement")
            let reason = translated.message.replacingOccurrences(of: "statement failed: ", with: "")
            throw DatabaseError(.migrationFailed,
                                "\(file.filename) line \(statement.line): \(reason); the file was rolled back\(file.transactional ? "" : " up to its last completed statement") and is not recorded as applied",
                                context: ["file": file.filename, "line": "\(statement.line)"], sqlState: translated.sqlState)
        }
    }

    private func record(_ file: MigrationFile, start: ContinuousClock.Instant, on connection: PostgresConnection) async throws {
        let ms = start.millisecondsElapsed
        let by = "\(operatorName) as "
        try await connection.checkedQuery("""
            INSERT INTO cutover.schema_history (version, name, filename, phase, checksum, applied_by, duration_ms)
            VALUES (\(file.version), \(file.name), \(file.filename), \(file.phase.rawValue), \(file.checksum), \(by) || current_user, \(ms))
            """, logger: logger, doing: "recording \(file.filename)")
    }

    @discardableResult
    private func run(_ connection: PostgresConnection, _ sql: String, doing what: String) async throws -> PostgresRowSequence {
        try await connection.checkedQuery(PostgresQuery(unsafeSQL: sql), logger: logger, doing: what)
    }

    static func readHistory(_ connection: PostgresConnection, logger: Logger) async throws -> [AppliedMigration] {
        let exists = try await connection.query("SELECT to_regclass('cutover.schema_history') IS NOT NULL", logger: logger)
        var present = false
        for try await value in exists.decode(Bool.self) { present = value }
        guard present else { return [] }
        let rows = try await connection.query("""
            SELECT version, name, filename, phase, checksum, applied_by,
                   to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), duration_ms
            FROM cutover.schema_history ORDER BY version
            """, logger: logger)
        var result: [AppliedMigration] = []
        for try await (version, name, filename, phase, checksum, by, at, ms) in rows.decode((Int32, String, String, String, String, String, String, Int32).self) {
            result.append(AppliedMigration(version: Int(version), name: name, filename: filename, phase: MigrationPhase(rawValue: phase) ?? .expand,
                                           checksum: checksum, appliedBy: by, appliedAt: at, durationMilliseconds: Int(ms)))
        }
        return result
    }
}
