import CutoverCore
import PostgresNIO

extension Migrator {
    /// The rollback plan without running it (for `--dry-run` and the CLI's preview).
    public func rollbackPlan(to target: Int? = nil) async throws -> MigrationPlanner.RollbackPlan {
        try MigrationPlanner().rollback(catalog: catalog, applied: try await history(), to: target)
    }

    /// Runs the rollback statements of the newest applied file (or of every file above `target`),
    /// newest first, each in one transaction with the removal of its history row, and stops before
    /// a contract file. Returns the plan that ran.
    @discardableResult
    public func rollback(to target: Int? = nil, progress: @Sendable (MigrationEvent) -> Void = { _ in }) async throws -> MigrationPlanner.RollbackPlan {
        try await withLockedConnection(progress: progress) { connection in
            let applied = try await MigrationHistory.versions(connection, logger: logger)
            let plan = try MigrationPlanner().rollback(catalog: catalog, applied: applied, to: target)
            _ = try checkBlackouts(plan.files.map { ($0.filename, $0.phase) }, progress: progress)
            for file in plan.files {
                let start = ContinuousClock.now
                let source = file.rollbackSource == "section" ? file.filename : (file.rollbackSource ?? file.filename)
                if file.transactional {
                    // The statements and the history row in one transaction, retried as a whole.
                    try await retryingLockTimeouts(filename: file.filename, progress: progress) {
                        try await inTransaction(connection, file) {
                            for statement in file.rollbackStatements {
                                try await execute(statement, filename: source, transactional: true, on: connection)
                            }
                            try await forget(file, on: connection, start: start, detail: "rollback from \(file.rollbackSource ?? "section")")
                        }
                    }
                } else {
                    // A `transaction: none` file's rollback (DROP INDEX CONCURRENTLY …) cannot run in a
                    // transaction either: statement by statement, each retried on lock timeouts, then the
                    // history row goes. Write such rollbacks idempotently (IF EXISTS): after a failure
                    // the next rollback starts again from the first statement.
                    for statement in file.rollbackStatements {
                        try await retryingLockTimeouts(filename: file.filename, progress: progress) {
                            try await execute(statement, filename: source, transactional: false, on: connection)
                        }
                    }
                    try await inTransaction(connection, file) {
                        try await forget(file, on: connection, start: start,
                                         detail: "rollback from \(file.rollbackSource ?? "section"), statement by statement")
                    }
                }
                progress(.rolledBack(file, milliseconds: start.millisecondsElapsed))
            }
            return plan
        }
    }

    /// Runs `body` between BEGIN and COMMIT, rolling back on failure.
    private func inTransaction(_ connection: PostgresConnection, _ file: MigrationFile, _ body: () async throws -> Void) async throws {
        try await run(connection, "BEGIN", doing: "starting the rollback of \(file.filename)")
        do {
            try await body()
            try await run(connection, "COMMIT", doing: "committing the rollback of \(file.filename)")
        } catch {
            _ = try? await run(connection, "ROLLBACK", doing: "abandoning the rollback of \(file.filename)")
            throw error
        }
    }

    /// Removes `file` from the history and logs the rollback (inside the caller's transaction).
    private func forget(_ file: MigrationFile, on connection: PostgresConnection, start: ContinuousClock.Instant, detail: String) async throws {
        try await connection.checkedQuery("DELETE FROM cutover.schema_history WHERE version = \(file.version)",
                                          logger: logger, doing: "removing \(file.filename) from the history")
        try await MigrationHistory.log(connection, action: "rollback", version: file.version, filename: file.filename,
                                       checksum: file.checksum, by: by, durationMilliseconds: start.millisecondsElapsed,
                                       detail: detail, logger: logger)
    }
}
