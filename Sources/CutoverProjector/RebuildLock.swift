import CutoverCore
import CutoverPostgres
import Logging
import PostgresNIO

/// The session advisory lock a rebuild holds for its projection, and the refusal while another
/// rebuild or a migration runs.
enum RebuildLock {
    /// The second half of a projection's rebuild lock key.
    static func lockKeySQL(_ projection: String) -> String {
        "hashtext('rebuild:' || '\(projection.replacingOccurrences(of: "'", with: "''"))')"
    }

    static func acquire(_ c: PostgresConnection, projection: String, logger: Logger) async throws {
        let key = lockKeySQL(projection)
        // A session that just ended may hold the lock for a moment longer: try for a second.
        var got = false
        let deadline = ContinuousClock.now + .seconds(1)
        while true {
            let rows = try await c.checkedQuery(PostgresQuery(unsafeSQL: "SELECT pg_try_advisory_lock(\(ProjectionRebuilder.lockClass), \(key))"),
                                                logger: logger, doing: "taking the rebuild lock")
            for try await value in rows.decode(Bool.self) { got = value }
            if got || ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        if !got {
            let holder = try await AdvisoryLockHolder.describe(c, key: .pair(ProjectionRebuilder.lockClass, objectSQL: key), logger: logger)
                ?? "a session that has just ended"
            throw DatabaseError(.migrationLockBusy, "another rebuild of \(projection) is running (\(holder)); wait for it or stop it first",
                                context: ["projection": projection])
        }
        if let migration = try await AdvisoryLockHolder.describe(c, key: .bigint(Migrator.advisoryLockKey), logger: logger) {
            _ = try? await c.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(ProjectionRebuilder.lockClass), \(key))"), logger: logger)
            throw DatabaseError(.migrationLockBusy, "a migration is running (\(migration)) and may change \(projection)'s tables; rebuild after it finished",
                                context: ["projection": projection])
        }
    }

    /// Runs `body` and releases the lock afterwards, also when it fails (rolling back an open
    /// transaction first), so the next rebuild need not wait for this session to end.
    static func releasing<R: Sendable>(_ c: PostgresConnection, projection: String, logger: Logger,
                                       _ body: () async throws -> R) async throws -> R {
        let unlock = "SELECT pg_advisory_unlock(\(ProjectionRebuilder.lockClass), \(lockKeySQL(projection)))"
        do {
            let result = try await body()
            _ = try? await c.query(PostgresQuery(unsafeSQL: unlock), logger: logger)
            return result
        } catch {
            if !c.isClosed {
                _ = try? await c.query("ROLLBACK", logger: logger)
                _ = try? await c.query(PostgresQuery(unsafeSQL: unlock), logger: logger)
            }
            throw error
        }
    }
}
