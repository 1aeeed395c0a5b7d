import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import PostgresNIO
import Synchronization

/// `cutover rebuild customer_overview` against its anchor: a plain `CREATE TABLE AS` of the same
/// recompute SELECT over every key plus the table's primary key and indexes, on the same data in
/// the same run; then a full verify against the same anchor. Two readers read the view through the
/// API role during the rebuild and count errors and empty answers (both must be 0).
struct RebuildScenario {
    let context: BenchContext

    func run() async throws -> [BenchFigure] {
        guard let overview = context.projections.first(where: { $0.name == "customer_overview" }) else {
            throw CoreError(.invalidArgument, "rebuild scenario: projection customer_overview missing")
        }
        let keys = Int(try await context.scalar("SELECT count(*)::float8 FROM crm.customers"))
        try await context.exec("CHECKPOINT")

        context.progress("rebuild: anchor, CREATE TABLE AS of the recompute over \(keys) keys plus primary key and indexes")
        let ctasSeconds = try await Database.withConnection(context.db, logger: context.logger) { c in
            let table = "public.bench_ctas_overview"
            _ = try await c.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(table)"), logger: context.logger)
            var ids: [Int64] = []
            for try await id in try await c.query("SELECT id FROM crm.customers", logger: context.logger).decode(Int64.self) { ids.append(id) }
            // The same memory as the rebuild's fill slices get, so the anchor is not handicapped.
            _ = try await c.query("SET work_mem = '64MB'", logger: context.logger)
            let start = ContinuousClock.now
            var binds = PostgresBindings()
            binds.append(ids)
            _ = try await c.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) AS SELECT * FROM (\(overview.recomputeSQL)) AS fresh", binds: binds),
                                  logger: context.logger)
            _ = try await c.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(table) ADD PRIMARY KEY (\(overview.primaryKey.joined(separator: ", ")))"),
                                  logger: context.logger)
            for statement in try SQLStatementSplitter().split(overview.renderedTableSQL(table: table, name: "bench_ctas_overview"))
            where statement.sql.lowercased().hasPrefix("create index") || statement.sql.lowercased().hasPrefix("create unique index") {
                _ = try await c.query(PostgresQuery(unsafeSQL: statement.sql), logger: context.logger)
            }
            let seconds = (ContinuousClock.now - start).seconds
            _ = try await c.query(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"), logger: context.logger)
            return seconds
        }
        try await context.exec("CHECKPOINT")

        context.progress("rebuild: cutover rebuild customer_overview (shadow, catch-up, sampled verify, swap) with two readers")
        let stop = Atomic<Bool>(false)
        let readers = BenchReaders(target: context.db, logger: context.logger)
        async let seen = readers.run(until: { stop.load(ordering: .relaxed) })
        let start = ContinuousClock.now
        let result: ProjectionRebuilder.Result
        do {
            result = try await ProjectionRebuilder(projection: overview, target: context.db, dropOld: true, logger: context.logger).run()
        } catch {
            stop.store(true, ordering: .relaxed)
            _ = try? await seen
            throw error
        }
        let rebuildSeconds = (ContinuousClock.now - start).seconds
        stop.store(true, ordering: .relaxed)
        let reads = try await seen
        try await context.exec("CHECKPOINT")

        context.progress("rebuild: full verify of customer_overview")
        let verifyStart = ContinuousClock.now
        let report = try await Database.withConnection(context.db, logger: context.logger) { c in
            try await ProjectionVerifier(projection: overview, logger: context.logger).verify(on: c)
        }
        let verifySeconds = (ContinuousClock.now - verifyStart).seconds
        guard report.isClean else {
            throw CoreError(.invalidArgument, "rebuild scenario: verify found drift after the rebuild: \(report)")
        }
        return [
            BenchFigure(scenario: "rebuild", figure: "full rebuild of customer_overview, \(keys) customers (s; ratio = rebuild / CTAS)",
                        cutover: rebuildSeconds, anchor: ctasSeconds, unit: "s", target: "≤ 1.5 × CTAS (ratio ≤ 1.5)", higherIsBetter: false,
                        notes: "shadow \(result.shadowTable), batches of 100000 keys, sampled verify of 5000 keys, swap"),
            BenchFigure(scenario: "rebuild", figure: "full verify of customer_overview, \(keys) customers (s; ratio = verify / CTAS)",
                        cutover: verifySeconds, anchor: ctasSeconds, unit: "s", target: "≤ 2 × CTAS (ratio ≤ 2)", higherIsBetter: false,
                        notes: "\(report.rows) rows compared, clean"),
            BenchFigure(scenario: "rebuild", figure: "reader errors / empty answers during the rebuild", cutover: Double(reads.errors + reads.empty),
                        anchor: nil, unit: "count", target: "0", higherIsBetter: false,
                        notes: "\(reads.reads) reads of read.customer_overview as cutover_reader"),
        ]
    }
}

/// Two readers reading a territory's first page through the view as the API role (20 reads/s each), until told to stop.
struct BenchReaders: Sendable {
    let target: DatabaseTarget
    let logger: Logger

    struct Seen: Sendable {
        var reads = 0
        var empty = 0
        var errors = 0
    }

    func run(until stop: @escaping @Sendable () -> Bool) async throws -> Seen {
        try await withThrowingTaskGroup(of: Seen.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var seen = Seen()
                    try await Database.withConnection(target, logger: logger) { c in
                        while !stop() {
                            do {
                                _ = try await c.query("BEGIN", logger: logger)
                                _ = try await c.query("SET LOCAL ROLE cutover_reader", logger: logger)
                                _ = try await c.query("SELECT set_config('cutover.territories', 'DE-BY', true)", logger: logger)
                                var n = 0
                                // An API-sized read: the first page of a territory.
                                for try await count in try await c.query("""
                                    SELECT count(*) FROM (SELECT customer_id FROM read.customer_overview WHERE territory_code = 'DE-BY'
                                                          ORDER BY customer_id LIMIT 50) page
                                    """, logger: logger).decode(Int.self) { n = count }
                                _ = try await c.query("COMMIT", logger: logger)
                                seen.reads += 1
                                if n == 0 { seen.empty += 1 }
                            } catch {
                                seen.errors += 1
                                _ = try? await c.query("ROLLBACK", logger: logger)
                            }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    return seen
                }
            }
            var all = Seen()
            for try await s in group { all.reads += s.reads; all.empty += s.empty; all.errors += s.errors }
            return all
        }
    }
}
