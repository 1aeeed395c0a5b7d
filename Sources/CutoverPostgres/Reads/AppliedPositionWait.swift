import CutoverCore
import Logging
import PostgresNIO

/// Read-your-writes: waits until a projection has applied everything committed up to a WAL
/// position (a writer's `pg_current_wal_insert_lsn()` after its commit).
///
/// Two steps, each a fresh statement (so each sees what was committed before it started):
/// 1. With WAL capture, the capture relay has passed the position: its recorded position
///    (`cutover.capture_relay.relayed_lsn`) or the flush position it reported to the walsender.
///    The relay confirms a position only after the change log holds everything before it. With
///    trigger capture the change log is written at commit, so this holds at once.
/// 2. Every change-log row of the projection's source tables visible right after step 1 is
///    applied: visible in the projection's `base_snapshot`.
public struct AppliedPositionWait: Sendable {
    /// Source tables of each projection (`schema.table`).
    public var sources: [String: [String]]
    /// Between two checks.
    public var interval: Duration
    public var logger: Logger

    public init(sources: [String: [String]], interval: Duration = .milliseconds(15), logger: Logger) {
        self.sources = sources
        self.interval = interval
        self.logger = logger
    }

    /// True once `projection` has applied everything committed up to `position`, false when
    /// `deadline` passes first. Throws on database errors and on cancellation.
    public func wait(on connection: PostgresConnection, projection: String, position: LSN, until deadline: ContinuousClock.Instant) async throws -> Bool {
        let tables = sources[projection] ?? []
        let wal = try await walCapture(on: connection)
        if wal {
            while !(try await relayed(past: position, on: connection)) {
                guard ContinuousClock.now + interval < deadline else { return false }
                try await Task.sleep(for: interval)
            }
        }
        var snapshot = ""
        for try await text in try await connection.checkedQuery("SELECT pg_current_snapshot()::text", logger: logger,
                                                                 doing: "read-your-writes").decode(String.self) { snapshot = text }
        while !(try await applied(projection, tables: tables, snapshot: snapshot, on: connection)) {
            guard ContinuousClock.now + interval < deadline else { return false }
            try await Task.sleep(for: interval)
        }
        return true
    }

    func walCapture(on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.checkedQuery("SELECT coalesce(cutover.capture_mode() = 'wal', false)", logger: logger,
                                                     doing: "read-your-writes")
        for try await installed in rows.decode(Bool.self) { return installed }
        return false
    }

    func relayed(past position: LSN, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.checkedQuery("""
            SELECT coalesce(greatest(
                (SELECT r.relayed_lsn FROM cutover.capture_relay r WHERE r.slot_name = cutover.capture_slot_name()),
                (SELECT w.flush_lsn FROM pg_replication_slots s JOIN pg_stat_replication w ON w.pid = s.active_pid
                 WHERE s.slot_name = cutover.capture_slot_name())) >= \(position.description)::pg_lsn, false)
            """, logger: logger, doing: "read-your-writes")
        for try await passed in rows.decode(Bool.self) { return passed }
        return false
    }

    func applied(_ projection: String, tables: [String], snapshot: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.checkedQuery("""
            SELECT coalesce((
                SELECT NOT cp.needs_rebuild AND NOT EXISTS (
                    SELECT 1 FROM cutover.change_log l
                    WHERE l.source_table = ANY(\(tables)::text[])
                      AND pg_visible_in_snapshot(l.xid, \(snapshot)::pg_snapshot)
                      AND NOT pg_visible_in_snapshot(l.xid, cp.base_snapshot))
                FROM cutover.projection_checkpoint cp WHERE cp.projection = \(projection)), false)
            """, logger: logger, doing: "read-your-writes")
        for try await done in rows.decode(Bool.self) { return done }
        return false
    }
}
