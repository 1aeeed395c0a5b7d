import Logging
import PostgresNIO

/// Who holds an advisory lock in the current database: the one lookup every "is busy" message uses
/// (migration runner, rebuild, backfill).
public enum AdvisoryLockHolder {
    /// An advisory lock key, in either of PostgreSQL's two forms.
    public enum Key: Sendable {
        /// `pg_advisory_lock(bigint)`.
        case bigint(Int64)
        /// `pg_advisory_lock(int, int)`; the second half as an SQL expression (e.g. `hashtext('…')`).
        case pair(Int32, objectSQL: String)

        /// The `pg_locks` condition (table alias `l`) that matches this key.
        public var condition: String {
            switch self {
            case .bigint(let key):
                "l.classid = \(UInt32(truncatingIfNeeded: key >> 32)) AND l.objid = \(UInt32(truncatingIfNeeded: key)) AND l.objsubid = 1"
            case .pair(let classID, let objectSQL):
                "l.classid = (\(classID))::oid AND l.objid = (\(objectSQL))::oid AND l.objsubid = 2"
            }
        }
    }

    /// "pid 4711, cutover migrate, user cutover, connected since 2026-11-27 06:48:47", or nil when
    /// nobody holds the lock.
    public static func describe(_ connection: PostgresConnection, key: Key, logger: Logger) async throws -> String? {
        let rows = try await connection.checkedQuery(PostgresQuery(unsafeSQL: """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), coalesce(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS'), '')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND \(key.condition)
            LIMIT 1
            """), logger: logger, doing: "looking up who holds a lock")
        for try await (pid, app, user, since) in rows.decode((Int32, String, String, String).self) {
            return "pid \(pid), \(app.isEmpty ? "unknown application" : app), user \(user), connected since \(since)"
        }
        return nil
    }
}
