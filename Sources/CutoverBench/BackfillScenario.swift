import CutoverCore
import CutoverPostgres
import Foundation
import Synchronization

/// An expand + backfill on 2M rows: `territory_code` denormalised onto an activities table from
/// the customers. Cutover's runner (keyset batches, default batch size, one short transaction
/// each) against the anchor, one set-based `UPDATE … FROM` of all rows in one statement, on an
/// identical copy of the table. Figures: rows/s of each and the longest time a lock is held (a
/// batch's transaction; the anchor's whole statement, which holds every row lock until it commits).
struct BackfillScenario {
    let context: BenchContext

    static let definitionText = """
        -- backfill: bench_activity_territory
        -- description: territory_code onto 2M activities (bench)
        -- source: bench_backfill.activities
        -- key: id
        UPDATE bench_backfill.activities a SET territory_code = c.territory_code
        FROM crm.customers c
        WHERE c.id = a.customer_id AND a.id > :from_key AND a.id <= :to_key
        """

    func run() async throws -> [BenchFigure] {
        let n = context.options.backfillRows
        context.progress("backfill: two identical tables of \(n) activities (expand: territory_code added, empty)")
        try await context.exec(
            "DROP SCHEMA IF EXISTS bench_backfill CASCADE",
            "CREATE SCHEMA bench_backfill",
            """
            CREATE TABLE bench_backfill.activities (id bigint PRIMARY KEY, customer_id bigint NOT NULL, kind text NOT NULL,
                                                    occurred_at timestamptz NOT NULL, note text)
            """,
            """
            INSERT INTO bench_backfill.activities
            SELECT g, 1 + (g::bigint * 7919) % (SELECT max(id) FROM crm.customers), (ARRAY['CALL', 'VISIT', 'EMAIL', 'TASTING'])[1 + g % 4],
                   timestamptz '2026-01-01' + g * interval '13 seconds', 'bench activity ' || g
            FROM generate_series(1, \(n)) g
            """,
            "CREATE TABLE bench_backfill.activities_anchor (LIKE bench_backfill.activities INCLUDING ALL)",
            "INSERT INTO bench_backfill.activities_anchor SELECT * FROM bench_backfill.activities",
            // The expand step: a nullable column, no rewrite.
            "ALTER TABLE bench_backfill.activities ADD COLUMN territory_code text",
            "ALTER TABLE bench_backfill.activities_anchor ADD COLUMN territory_code text",
            "VACUUM ANALYZE bench_backfill.activities",
            "VACUUM ANALYZE bench_backfill.activities_anchor",
            "CHECKPOINT")

        context.progress("backfill: cutover backfill, default batch size \(BackfillDefinition.defaultBatchSize)")
        let definition = try BackfillDefinition(filename: "bench_activity_territory.sql", content: Self.definitionText)
        let batchTimes = BatchTimes()
        let summary = try await BackfillRunner(target: context.db, definition: definition, logger: context.logger).run { event in
            if case .batch(let p) = event { batchTimes.add(p.lastBatchMilliseconds) }
        }
        let missing = try await context.scalar("SELECT count(*)::float8 FROM bench_backfill.activities WHERE territory_code IS NULL")
        guard missing == 0, summary.rowsDone == Int64(n) else {
            throw CoreError(.invalidArgument, "backfill scenario: \(Int(missing)) rows left empty after \(summary.rowsDone) rows")
        }

        try await context.exec("CHECKPOINT")
        context.progress("backfill: anchor, one UPDATE … FROM of all \(n) rows")
        let start = ContinuousClock.now
        try await context.exec("""
            UPDATE bench_backfill.activities_anchor a SET territory_code = c.territory_code FROM crm.customers c WHERE c.id = a.customer_id
            """)
        let anchorSeconds = (ContinuousClock.now - start).seconds
        try await context.exec("DROP SCHEMA bench_backfill CASCADE")

        let times = batchTimes.sorted()
        let p50 = times.isEmpty ? 0 : times[times.count / 2]
        let p99 = times.isEmpty ? 0 : times[min(times.count - 1, Int(Double(times.count) * 0.99))]
        return [
            BenchFigure(scenario: "backfill", figure: "rows/s, \(n) rows, batches of \(BackfillDefinition.defaultBatchSize)",
                        cutover: summary.rowsPerSecond, anchor: Double(n) / max(anchorSeconds, 0.001), unit: "rows/s", target: "≥ 50,000 rows/s",
                        notes: String(format: "runner %.1f s in %d batches; one statement %.1f s", summary.seconds, summary.batches, anchorSeconds)),
            BenchFigure(scenario: "backfill", figure: "longest lock held (batch transaction)", cutover: summary.longestBatchMilliseconds,
                        anchor: anchorSeconds * 1000, unit: "ms", target: "≤ 100 ms", higherIsBetter: false,
                        notes: String(format: "batch p50 %.1f ms, p99 %.1f ms; the anchor holds its row locks for the whole statement", p50, p99)),
        ]
    }
}

/// Batch durations collected from the runner's progress callback.
final class BatchTimes: Sendable {
    private let values = Mutex<[Double]>([])
    func add(_ value: Double) { values.withLock { $0.append(value) } }
    func sorted() -> [Double] { values.withLock { $0.sorted() } }
}
