import CutoverCore
import Logging
import PostgresNIO

/// Runs one batch as its own short transaction: timeouts, the statement, the progress row,
/// COMMIT. A lock timeout, deadlock or serialization failure rolls back and retries after a
/// jittered, growing pause; any other error rolls back and stops the run with the batch's range.
struct BackfillBatchExecutor: Sendable {
    let definition: BackfillDefinition
    let queries: BackfillQueries
    let maxAttempts: Int
    let logger: Logger

    /// SQLSTATEs worth another attempt: lock_not_available, deadlock_detected, serialization_failure.
    static let retryable: Set<String> = ["55P03", "40P01", "40001"]

    struct Result {
        /// Rows the statement changed.
        var changed: Int64
        /// BEGIN to COMMIT of the attempt that committed, client-measured.
        var milliseconds: Double
    }

    func run(from: Int64?, to: Int64, rows: Int64, partition: String?, on connection: PostgresConnection,
             retrying: (Int, Int, String) -> Void) async throws -> Result {
        var attempt = 1
        while true {
            let start = ContinuousClock.now
            do {
                let changed = try await attemptOnce(from: from, to: to, rows: rows, partition: partition, on: connection)
                return Result(changed: changed, milliseconds: (ContinuousClock.now - start).seconds * 1000)
            } catch let error as DatabaseError {
                _ = try? await connection.checkedQuery("ROLLBACK", logger: logger, doing: "rolling back a batch of \(definition.name)")
                let range = "keys (\(from.map(String.init) ?? "start"), \(to)]\(partition.map { " of partition \($0)" } ?? "")"
                guard let state = error.sqlState, Self.retryable.contains(state) else {
                    if error.code == .unreachable { throw error }
                    throw DatabaseError(.backfillBatchFailed,
                                        "\(definition.filename): the batch of \(range) failed and was rolled back; progress stays at the previous batch. \(error.message)",
                                        context: ["backfill": definition.name, "to_key": "\(to)"], sqlState: error.sqlState)
                }
                guard attempt < maxAttempts else {
                    throw DatabaseError(.lockTimeout,
                                        "\(definition.filename): the batch of \(range) could not get its locks in \(attempt) attempts (lock_timeout \(definition.lockTimeoutMilliseconds) ms); progress stays at the previous batch, rerun to resume. \(error.message)",
                                        context: ["backfill": definition.name], sqlState: state)
                }
                // 100 ms, 200 ms, 400 ms … (at most 5 s), each between half and the whole of it.
                let ceiling = min(5000, 100 << min(attempt - 1, 6))
                let delay = Int.random(in: (ceiling / 2)...ceiling)
                logger.notice("backfill batch retried", metadata: ["backfill": "\(definition.name)", "attempt": "\(attempt)", "sqlstate": "\(state)"])
                retrying(attempt, delay, error.message)
                try await Task.sleep(for: .milliseconds(delay))
                attempt += 1
            }
        }
    }

    /// A batch commits without waiting for its WAL flush (`synchronous_commit = off`): its row locks
    /// are released at commit, not after an fsync that a checkpoint can stretch past 100 ms (one
    /// batch of a full bench run held its locks 138 ms, p99 34 ms). A crash can lose the last
    /// batches, but their progress row goes with them, so the rerun simply does them again.
    ///
    /// A batch touches a narrow key range, so its joins should probe indexes rather than hash a
    /// whole partner table every batch: with the default random_page_cost the planner hashed all
    /// 200k customers for each 2,500-row batch (40 ms of fixed cost per batch, measured); with 1.1
    /// (SSD-like, for this transaction only) it probes the primary key.
    private func attemptOnce(from: Int64?, to: Int64, rows: Int64, partition: String?, on connection: PostgresConnection) async throws -> Int64 {
        let what = "\(definition.filename): batch"
        try await connection.checkedQuery("BEGIN", logger: logger, doing: what)
        try await connection.checkedQuery("""
            SELECT set_config('lock_timeout', \("\(definition.lockTimeoutMilliseconds)ms"), true),
                   set_config('statement_timeout', \("\(definition.statementTimeoutMilliseconds)ms"), true),
                   set_config('random_page_cost', '1.1', true),
                   set_config('synchronous_commit', 'off', true)
            """, logger: logger, doing: what)
        var changed: Int64 = 0
        for try await count in try await connection.checkedQuery(queries.batchStatement(from: from, to: to, partition: partition),
                                                                 logger: logger, doing: what).decode(Int64.self) {
            changed = count
        }
        try await BackfillProgressStore.advance(definition.name, partition: partition ?? "", lastKey: to, rows: rows, changed: changed,
                                                on: connection, logger: logger)
        try await connection.checkedQuery("COMMIT", logger: logger, doing: "\(what) commit")
        return changed
    }
}
