import CutoverCore
import CutoverPostgres
import Logging
import PostgresNIO

/// `cutover.projection_rebuilds`: one row per rebuild, its step and progress, and the replaced
/// table with the time it may be dropped.
enum RebuildTable {
    static let ddl = """
        CREATE TABLE IF NOT EXISTS cutover.projection_rebuilds (
            id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            projection   text NOT NULL,
            version      integer NOT NULL,
            shadow_table text NOT NULL,
            status       text NOT NULL CHECK (status IN ('filling', 'catching_up', 'verifying', 'swapped', 'failed', 'cleaned')),
            keys_total   bigint NOT NULL DEFAULT 0,
            keys_done    bigint NOT NULL DEFAULT 0,
            old_table    text,
            drop_after   timestamptz,
            detail       text,
            started_at   timestamptz NOT NULL DEFAULT now(),
            updated_at   timestamptz NOT NULL DEFAULT now(),
            finished_at  timestamptz
        )
        """

    static func ensure(_ c: PostgresConnection, logger: Logger) async throws {
        let exists = try await c.checkedQuery("SELECT to_regclass('cutover.projection_rebuilds') IS NOT NULL", logger: logger, doing: "looking for the rebuild table")
        for try await present in exists.decode(Bool.self) where present { return }
        try await c.checkedQuery(PostgresQuery(unsafeSQL: ddl), logger: logger, doing: "creating the rebuild table")
    }
}

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
