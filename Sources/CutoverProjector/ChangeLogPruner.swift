import CutoverPostgres
import Logging
import Metrics
import PostgresNIO

/// Deletes change-log rows that every projection has applied (visible in every checkpoint's
/// base snapshot). Rows of a still-running transaction are never visible yet, so never pruned.
struct ChangeLogPruner: Sendable {
    let target: DatabaseTarget
    let interval: Duration
    let logger: Logger

    static let sql = """
        DELETE FROM cutover.change_log c
        WHERE EXISTS (SELECT 1 FROM cutover.projection_checkpoint)
          AND NOT EXISTS (SELECT 1 FROM cutover.projection_checkpoint p WHERE NOT pg_visible_in_snapshot(c.xid, p.base_snapshot))
        """

    func run() async {
        let pruned = Counter(label: "cutover_change_log_pruned_total")
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { break }
            do {
                let count = try await Database.withConnection(target, logger: logger) { connection in
                    let result = try await connection.query(PostgresQuery(unsafeSQL: Self.sql), logger: logger).get()
                    return result.metadata.rows ?? 0
                }
                if count > 0 { pruned.increment(by: count) }
            } catch {
                logger.debug("pruning skipped", metadata: ["error": "\(error)"])
            }
        }
    }
}
