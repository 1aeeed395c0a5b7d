import Logging
import PostgresNIO

/// One row of `cutover.backfill_progress`: how far one backfill (or one of its partitions) got.
public struct BackfillProgressRow: Sendable, Equatable {
    public var name: String
    /// The partition, or "" for a run over the whole key range.
    public var partition: String
    /// The checksum of the definition this progress belongs to.
    public var checksum: String
    /// The last key covered; nil before the first batch.
    public var lastKey: Int64?
    public var rowsDone: Int64
    public var rowsChanged: Int64
    public var batches: Int64
    /// The longest batch transaction up to its last statement, server-measured.
    public var longestBatchMilliseconds: Double
    public var startedAt: String
    public var updatedAt: String
    public var finishedAt: String?
    /// `running` or `finished` (a `running` row whose lock nobody holds was interrupted).
    public var status: String
}

/// Reads and writes `cutover.backfill_progress`. The runner updates a row in the same
/// transaction as the batch it describes, so progress and data never disagree.
enum BackfillProgressStore {
    /// The progress rows of `name` (every backfill when nil), in the order they were started.
    static func rows(_ name: String?, on connection: PostgresConnection, logger: Logger) async throws -> [BackfillProgressRow] {
        var exists = false
        for try await present in try await connection.checkedQuery("SELECT to_regclass('cutover.backfill_progress') IS NOT NULL", logger: logger,
                                                                    doing: "looking for cutover.backfill_progress").decode(Bool.self) {
            exists = present
        }
        guard exists else { return [] }
        let time = "'YYYY-MM-DD HH24:MI:SS'"
        let rows = try await connection.checkedQuery("""
            SELECT name, partition, checksum, last_key, rows_done, rows_changed, batches, longest_batch_ms,
                   to_char(started_at, \(unescaped: time)), to_char(updated_at, \(unescaped: time)), to_char(finished_at, \(unescaped: time)), status
            FROM cutover.backfill_progress WHERE \(name)::text IS NULL OR name = \(name)::text
            ORDER BY name, started_at, partition
            """, logger: logger, doing: "reading backfill progress")
        var out: [BackfillProgressRow] = []
        for try await (n, p, c, k, done, changed, batches, longest, started, updated, finished, status)
            in rows.decode((String, String, String, Int64?, Int64, Int64, Int64, Double, String, String, String?, String).self) {
            out.append(BackfillProgressRow(name: n, partition: p, checksum: c, lastKey: k, rowsDone: done, rowsChanged: changed, batches: batches,
                                           longestBatchMilliseconds: longest, startedAt: started, updatedAt: updated, finishedAt: finished, status: status))
        }
        return out
    }

    static func delete(_ name: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.checkedQuery("DELETE FROM cutover.backfill_progress WHERE name = \(name)", logger: logger, doing: "forgetting the progress of \(name)")
    }

    static func create(_ name: String, partition: String, checksum: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.checkedQuery("""
            INSERT INTO cutover.backfill_progress (name, partition, checksum) VALUES (\(name), \(partition), \(checksum))
            ON CONFLICT (name, partition) DO NOTHING
            """, logger: logger, doing: "recording the start of \(name)")
    }

    /// Records a batch; runs inside the batch's transaction.
    static func advance(_ name: String, partition: String, lastKey: Int64, rows: Int64, changed: Int64,
                        on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.checkedQuery("""
            UPDATE cutover.backfill_progress
            SET last_key = \(lastKey), rows_done = rows_done + \(rows), rows_changed = rows_changed + \(changed), batches = batches + 1,
                longest_batch_ms = greatest(longest_batch_ms, extract(epoch FROM clock_timestamp() - now()) * 1000),
                updated_at = clock_timestamp(), status = 'running', finished_at = NULL
            WHERE name = \(name) AND partition = \(partition)
            """, logger: logger, doing: "recording the progress of \(name)")
    }

    static func finish(_ name: String, partition: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.checkedQuery("""
            UPDATE cutover.backfill_progress SET status = 'finished', finished_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE name = \(name) AND partition = \(partition) AND status <> 'finished'
            """, logger: logger, doing: "recording the end of \(name)")
    }
}
