import CutoverCore
import PostgresNIO

extension Migrator {
    /// Takes the advisory lock every runner takes; waits up to `lockWaitSeconds`, naming the holder.
    func acquireLock(_ connection: PostgresConnection, progress: @Sendable (MigrationEvent) -> Void) async throws {
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

    func lockHolder(_ connection: PostgresConnection) async throws -> String {
        try await AdvisoryLockHolder.describe(connection, key: .bigint(Self.advisoryLockKey), logger: logger) ?? "a session that has just ended"
    }

    func releaseLock(_ connection: PostgresConnection) async throws {
        try await run(connection, "SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", doing: "releasing the migration lock")
    }

    /// Runs `body` on a connection that holds the migration lock and the session timeouts.
    func withLockedConnection<R: Sendable>(progress: @Sendable (MigrationEvent) -> Void,
                                           _ body: (PostgresConnection) async throws -> R) async throws -> R {
        let connection = try await Database.connect(target, logger: logger)
        do {
            try await acquireLock(connection, progress: progress)
        } catch {
            try? await connection.close()
            throw error
        }
        do {
            try await run(connection, "SET lock_timeout = '\(timeouts.lockTimeoutMilliseconds)ms'", doing: "setting lock_timeout")
            try await run(connection, "SET statement_timeout = '\(timeouts.statementTimeoutSeconds)s'", doing: "setting statement_timeout")
            try await EngineVersionCheck(logger: logger).require(connection, database: target.url.database)
            if let onSession {
                for try await pid in try await run(connection, "SELECT pg_backend_pid()", doing: "reading the session's pid").decode(Int32.self) {
                    onSession(pid)
                }
            }
            let result = try await body(connection)
            try await releaseLock(connection)
            try? await connection.close()
            return result
        } catch {
            // Closing the session releases the advisory lock even if the unlock fails.
            _ = try? await run(connection, "ROLLBACK", doing: "rolling back")
            try? await releaseLock(connection)
            try? await connection.close()
            throw error
        }
    }

    @discardableResult
    func run(_ connection: PostgresConnection, _ sql: String, doing what: String) async throws -> PostgresRowSequence {
        try await connection.checkedQuery(PostgresQuery(unsafeSQL: sql), logger: logger, doing: what)
    }
}
