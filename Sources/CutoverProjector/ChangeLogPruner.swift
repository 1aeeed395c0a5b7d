import CutoverPostgres
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Deletes change-log rows that every projection has applied (visible in every checkpoint's
/// base snapshot). Rows of a still-running transaction are never visible yet, so never pruned.
/// Returns on graceful shutdown or cancellation (a round in flight then loses its connection).
struct ChangeLogPruner: Service {
    let target: DatabaseTarget
    let interval: Duration
    let logger: Logger

    static let sql = """
        WITH pruned AS (
            DELETE FROM cutover.change_log c
            WHERE EXISTS (SELECT 1 FROM cutover.projection_checkpoint)
              AND NOT EXISTS (SELECT 1 FROM cutover.projection_checkpoint p WHERE NOT pg_visible_in_snapshot(c.xid, p.base_snapshot))
            RETURNING 1)
        SELECT count(*) FROM pruned
        """

    func run() async {
        let pruned = Counter(label: "cutover_change_log_pruned_total")
        let retainedBytes = Gauge(label: "cutover_capture_slot_retained_bytes")
        let interval = self.interval
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            do {
                // Also the WAL the capture slot holds back, measured here rather than in the relay's
                // loop, which must keep answering the replication stream.
                let (count, retained) = try await Database.withConnection(target, logger: logger) { connection in
                    var count = 0
                    for try await deleted in try await connection.checkedQuery(PostgresQuery(unsafeSQL: Self.sql), logger: logger, doing: "pruning the change log").decode(Int.self) {
                        count = deleted
                    }
                    var bytes = 0.0
                    let rows = try await connection.checkedQuery("""
                        SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)), 0)::float8 FROM pg_replication_slots
                        WHERE database = current_database() AND slot_name LIKE 'cutover\\_%'
                        """, logger: logger, doing: "pruning the change log")
                    for try await b in rows.decode(Double.self) { bytes = b }
                    return (count, bytes)
                }
                if count > 0 { pruned.increment(by: count) }
                retainedBytes.record(retained)
            } catch {
                logger.debug("pruning skipped", metadata: ["error": "\(error)"])
            }
        }
    }
}
