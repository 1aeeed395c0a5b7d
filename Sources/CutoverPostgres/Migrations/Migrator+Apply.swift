import CutoverCore
import PostgresNIO

extension Migrator {
    /// Applies one versioned file: in one transaction with its history row (retried as a whole on
    /// a lock timeout), or statement by statement with a progress row when it cannot run in a
    /// transaction (resumed from the first unfinished statement on the next run).
    func apply(_ file: MigrationFile, on connection: PostgresConnection, overrideReason: String?,
               progress: @Sendable (MigrationEvent) -> Void) async throws {
        progress(.started(file))
        let start = ContinuousClock.now
        if file.transactional {
            try await retryingLockTimeouts(filename: file.filename, progress: progress) {
                try await run(connection, "BEGIN", doing: "starting the transaction for \(file.filename)")
                do {
                    for (index, statement) in file.statements.enumerated() {
                        try await execute(statement, of: file, on: connection)
                        progress(.statementFinished(file, index: index + 1, of: file.statements.count))
                    }
                    try await record(file, start: start, overrideReason: overrideReason, on: connection)
                    try await run(connection, "COMMIT", doing: "committing \(file.filename)")
                } catch {
                    _ = try? await run(connection, "ROLLBACK", doing: "rolling back \(file.filename)")
                    throw error
                }
            }
        } else {
            try await applyStatementByStatement(file, on: connection, start: start, overrideReason: overrideReason, progress: progress)
        }
        let ms = start.millisecondsElapsed
        progress(.finished(file, milliseconds: ms))
        logger.debug("migration applied", metadata: ["file": "\(file.filename)", "ms": "\(ms)"])
    }

    private func applyStatementByStatement(_ file: MigrationFile, on connection: PostgresConnection, start: ContinuousClock.Instant,
                                           overrideReason: String?, progress: @Sendable (MigrationEvent) -> Void) async throws {
        let total = file.statements.count
        var done = 0
        if let saved = try await MigrationHistory.progress(connection, version: file.version, logger: logger) {
            guard saved.done <= total, Self.prefixHash(file, saved.done) == saved.doneHash else {
                throw CoreError(.resumeMismatch,
                                "\(file.filename) was partly applied (statements 1–\(saved.done)) and those statements have changed since; restore them, or undo the partial work by hand and run `cutover migrate repair --reset-progress V\(String(file.version).leftPadded(3)) --reason …`",
                                context: ["file": file.filename, "done": "\(saved.done)"])
            }
            done = saved.done
            if done > 0 { progress(.resuming(file, fromStatement: done + 1)) }
        }
        for index in done..<total {
            let statement = file.statements[index]
            do {
                try await retryingLockTimeouts(filename: file.filename, line: statement.line, progress: progress) {
                    try await dropInvalidIndexLeftBy(statement, on: connection)
                    try await execute(statement, of: file, on: connection)
                }
            } catch {
                let message = (error as? DatabaseError)?.message ?? "\(error)"
                try? await saveProgress(file, done: index, error: message, on: connection)
                let resume = index == 0 ? "" : "; statements 1–\(index) are done and recorded"
                throw DatabaseError(.migrationFailed,
                                    "\(message)\(resume). Fix the cause and run `cutover migrate up` again: it resumes at statement \(index + 1) of \(total)",
                                    context: ["file": file.filename, "line": "\(statement.line)", "statement": "\(index + 1)"],
                                    sqlState: (error as? DatabaseError)?.sqlState)
            }
            try await saveProgress(file, done: index + 1, error: nil, on: connection)
            progress(.statementFinished(file, index: index + 1, of: total))
        }
        try await run(connection, "BEGIN", doing: "recording \(file.filename)")
        try await record(file, start: start, overrideReason: overrideReason, on: connection)
        try await connection.checkedQuery("DELETE FROM cutover.migration_progress WHERE version = \(file.version)", logger: logger, doing: "clearing progress")
        try await run(connection, "COMMIT", doing: "recording \(file.filename)")
    }

    private func saveProgress(_ file: MigrationFile, done: Int, error: String?, on connection: PostgresConnection) async throws {
        let hash = Self.prefixHash(file, done)
        try await connection.checkedQuery("""
            INSERT INTO cutover.migration_progress (version, filename, checksum, statements_done, statements_total, done_hash, last_error)
            VALUES (\(file.version), \(file.filename), \(file.checksum), \(done), \(file.statements.count), \(hash), \(error))
            ON CONFLICT (version) DO UPDATE SET filename = EXCLUDED.filename, checksum = EXCLUDED.checksum,
                statements_done = EXCLUDED.statements_done, statements_total = EXCLUDED.statements_total,
                done_hash = EXCLUDED.done_hash, last_error = EXCLUDED.last_error, updated_at = now()
            """, logger: logger, doing: "saving migration progress")
    }

    /// SHA-256 of the first `count` statements, so a resume can tell whether they changed.
    static func prefixHash(_ file: MigrationFile, _ count: Int) -> String {
        SHA256.hex(file.statements.prefix(count).map(\.sql).joined(separator: "\u{1F}"))
    }

    /// A `CREATE INDEX CONCURRENTLY` that failed (for example on lock_timeout while waiting for
    /// older transactions) leaves an INVALID index behind; drop it before trying again.
    private func dropInvalidIndexLeftBy(_ statement: SQLStatementSplitter.Statement, on connection: PostgresConnection) async throws {
        guard let name = ConcurrentIndex.name(in: statement.sql) else { return }
        let rows = try await connection.checkedQuery("""
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT i.indisvalid AND c.relname = \(name.relation) AND (\(name.schema)::text IS NULL OR n.nspname = \(name.schema))
            """, logger: logger, doing: "looking for an invalid index")
        var invalid: [String] = []
        for try await qualified in rows.decode(String.self) { invalid.append(qualified) }
        for qualified in invalid {
            logger.notice("dropping the invalid index an earlier attempt left", metadata: ["index": "\(qualified)"])
            try await run(connection, "DROP INDEX CONCURRENTLY IF EXISTS \(qualified)", doing: "dropping invalid index \(qualified)")
        }
    }

    /// Applies a repeatable file in one transaction with its history row.
    func applyRepeatable(_ file: RepeatableMigration, on connection: PostgresConnection, progress: @Sendable (MigrationEvent) -> Void) async throws {
        let start = ContinuousClock.now
        try await retryingLockTimeouts(filename: file.filename, progress: progress) {
            try await run(connection, "BEGIN", doing: "starting the transaction for \(file.filename)")
            do {
                for statement in file.statements {
                    try await execute(statement, filename: file.filename, transactional: true, on: connection)
                }
                let ms = start.millisecondsElapsed
                try await connection.checkedQuery("""
                    INSERT INTO cutover.repeatable_history (filename, checksum, applied_by, duration_ms)
                    VALUES (\(file.filename), \(file.checksum), \(by) || current_user, \(ms))
                    ON CONFLICT (filename) DO UPDATE SET checksum = EXCLUDED.checksum, applied_by = EXCLUDED.applied_by,
                        applied_at = now(), duration_ms = EXCLUDED.duration_ms
                    """, logger: logger, doing: "recording \(file.filename)")
                try await MigrationHistory.log(connection, action: "repeatable", version: nil, filename: file.filename, checksum: file.checksum,
                                               by: by, durationMilliseconds: ms, logger: logger)
                try await run(connection, "COMMIT", doing: "committing \(file.filename)")
            } catch {
                _ = try? await run(connection, "ROLLBACK", doing: "rolling back \(file.filename)")
                throw error
            }
        }
        progress(.repeatableApplied(file, milliseconds: start.millisecondsElapsed))
    }

    /// Runs `body`; on a lock timeout (SQLSTATE 55P03) waits with jittered exponential backoff and
    /// tries again, up to `timeouts.lockRetries` tries in all. ``isTransientSlotError(_:)`` counts
    /// as a lock timeout.
    func retryingLockTimeouts(filename: String, line: Int = 0, progress: @Sendable (MigrationEvent) -> Void,
                              _ body: () async throws -> Void) async throws {
        var attempt = 1
        while true {
            do {
                try await body()
                return
            } catch let error as DatabaseError where error.sqlState == "55P03" || Self.isTransientSlotError(error) {
                guard attempt < timeouts.lockRetries else {
                    throw DatabaseError(.lockTimeout,
                                        "\(error.message); gave up after \(attempt) tries (lock_timeout \(timeouts.lockTimeoutMilliseconds) ms each, with backoff): another session holds a conflicting lock for long. Find it with `SELECT pid, state, query FROM pg_stat_activity WHERE pid = ANY (pg_blocking_pids(<pid>))` or retry later",
                                        context: error.context, sqlState: error.sqlState)
                }
                let delay = timeouts.backoffMilliseconds(afterAttempt: attempt, random: Double.random(in: 0..<1))
                progress(.lockTimeout(filename: filename, line: Int(error.context["line"] ?? "") ?? line, attempt: attempt,
                                      of: timeouts.lockRetries, retryInMilliseconds: delay))
                try await Task.sleep(for: .milliseconds(delay))
                attempt += 1
            }
        }
    }

    /// PostgreSQL 15 may end a statement that creates a logical replication slot (the capture migrations of old, and
    /// `SELECT … FROM cutover.ensure_capture_slot()`) with an internal error instead of a lock
    /// timeout when the slot waits for running transactions under load (`snapshot reference … is
    /// not owned by resource owner …`, SQLSTATE XX000, seen in the test suite). Nothing of the
    /// statement remains, so it is retried as a lock timeout is.
    static func isTransientSlotError(_ error: DatabaseError) -> Bool {
        error.sqlState == "XX000" && error.message.contains("is not owned by resource owner")
    }

    func execute(_ statement: SQLStatementSplitter.Statement, of file: MigrationFile, on connection: PostgresConnection) async throws {
        try await execute(statement, filename: file.filename, transactional: file.transactional, on: connection)
    }

    func execute(_ statement: SQLStatementSplitter.Statement, filename: String, transactional: Bool, on connection: PostgresConnection) async throws {
        do {
            let rows = try await connection.checkedQuery(PostgresQuery(unsafeSQL: statement.sql), logger: logger, doing: "statement")
            // A statement returning rows (SELECT …) reports an error raised while it runs through
            // its row stream: drain it, or the error would go unnoticed and the statement count as done.
            for try await _ in rows {}
        } catch {
            let translated = Database.translate(error, doing: "statement")
            let reason = translated.message.replacingOccurrences(of: "statement failed: ", with: "")
            let code: DatabaseError.Code = translated.sqlState == "55P03" || Self.isTransientSlotError(translated) ? .lockTimeout : .migrationFailed
            throw DatabaseError(code,
                                "\(filename) line \(statement.line): \(reason); \(transactional ? "the file was rolled back and is not recorded as applied" : "this statement did not complete")",
                                context: ["file": filename, "line": "\(statement.line)"], sqlState: translated.sqlState)
        }
    }

    func record(_ file: MigrationFile, start: ContinuousClock.Instant, overrideReason: String?, on connection: PostgresConnection) async throws {
        let ms = start.millisecondsElapsed
        try await connection.checkedQuery("""
            INSERT INTO cutover.schema_history (version, name, filename, phase, checksum, applied_by, duration_ms, blackout_override)
            VALUES (\(file.version), \(file.name), \(file.filename), \(file.phase.rawValue), \(file.checksum), \(by) || current_user, \(ms), \(overrideReason))
            """, logger: logger, doing: "recording \(file.filename)")
        try await MigrationHistory.log(connection, action: "apply", version: file.version, filename: file.filename, checksum: file.checksum,
                                       by: by, durationMilliseconds: ms, detail: overrideReason, logger: logger)
    }
}
