import CutoverPostgres
import Foundation
import PostgresNIO
import CutoverProjector

/// Commit-to-visible lag at fixed write rates (open loop, pgbench -R) with the projector running
/// as its own process; the projector's RSS is sampled meanwhile.
struct LagScenario {
    let context: BenchContext

    func run() async throws -> ([BenchFigure], [String: [Double]]) {
        guard let overview = context.projections.first(where: { $0.name == "customer_overview" }) else { return ([], [:]) }
        try await context.exec(
            "CREATE SCHEMA IF NOT EXISTS bench",
            "CREATE TABLE IF NOT EXISTS bench.lag_samples (rate int, lag_ms float8, seen_at timestamptz)",
            """
            CREATE OR REPLACE FUNCTION bench.record_lag() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO bench.lag_samples VALUES (current_setting('bench.rate', true)::int,
                    extract(epoch FROM clock_timestamp() - to_timestamp(substr(NEW.name, 7)::float8)) * 1000, clock_timestamp());
                RETURN NULL;
            END $$
            """,
            "DROP TRIGGER IF EXISTS bench_lag ON \(overview.table)",
            // Only the write that set this probe name counts: a later recompute of the same customer (an
            // order for it, say) rewrites the row with the old name and must not be taken for a late probe.
            "CREATE TRIGGER bench_lag AFTER UPDATE ON \(overview.table) FOR EACH ROW WHEN (NEW.name LIKE 'probe %' AND NEW.name IS DISTINCT FROM OLD.name) EXECUTE FUNCTION bench.record_lag()")
        let log = (context.options.outDirectory as NSString).appendingPathComponent("projector.log")
        var figures: [BenchFigure] = []
        var series: [String: [Double]] = [:]
        for rate in context.options.lagRates {
            // The rate travels to the trigger through the projector's session default.
            try await context.exec("ALTER DATABASE \(context.db.url.database) SET bench.rate = '\(rate)'", "TRUNCATE bench.lag_samples")
            let projector = try BenchProcess(context.options.cutoverBinary, [
                "project", "--database-url", context.db.url.urlWithPassword, "--set", "projections.directory=\(context.options.projectionsDirectory)",
                "--log-level", "warning", "--set", "http.port=0",
            ], log: log)
            try await waitUntilIdle()  // earlier scenarios may have left rebuilds or backlog: measure from a caught-up state
            context.progress("lag: \(rate) writes/s for \(context.options.lagSeconds) s")
            let sampler = RSSSampler(pid: projector.pid)
            async let rss = sampler.run(seconds: context.options.lagSeconds)
            let tps = try await context.pgbench(script: "lag_mix", clients: 8, seconds: context.options.lagSeconds, rate: rate)
            let rssSeries = await rss
            try await Task.sleep(for: .seconds(2))  // let the last probes land
            projector.stop()
            let stats = try await percentiles()
            series["lag_ms_\(rate)"] = try await lagSeries()
            series["projector_rss_mb_\(rate)"] = rssSeries
            figures.append(BenchFigure(scenario: "lag", figure: "p50 lag @\(rate)/s (achieved \(Int(tps))/s)", cutover: stats.p50, anchor: nil,
                                       unit: "ms", target: rate == 1000 ? "p99 ≤ 100 ms, max ≤ 1 s" : "report", higherIsBetter: false))
            figures.append(BenchFigure(scenario: "lag", figure: "p99 lag @\(rate)/s", cutover: stats.p99, anchor: nil, unit: "ms",
                                       target: rate == 1000 ? "≤ 100 ms" : "report", higherIsBetter: false))
            figures.append(BenchFigure(scenario: "lag", figure: "max lag @\(rate)/s (\(stats.count) probes)", cutover: stats.max, anchor: nil, unit: "ms",
                                       target: rate == 1000 ? "≤ 1000 ms" : "report", higherIsBetter: false))
            let steady = rssSeries.suffix(max(1, rssSeries.count / 2))
            figures.append(BenchFigure(scenario: "lag", figure: "projector RSS steady @\(rate)/s (max \(Int(rssSeries.max() ?? 0)) MB)",
                                       cutover: steady.reduce(0, +) / Double(steady.count), anchor: nil, unit: "MB", target: "≤ 100 MB",
                                       higherIsBetter: false))
        }
        try await context.exec("DROP TRIGGER IF EXISTS bench_lag ON \(overview.table)", "ALTER DATABASE \(context.db.url.database) RESET bench.rate")
        return (figures, series)
    }

    /// Waits until the projector process has built every projection and nothing is pending (at most 5 minutes).
    func waitUntilIdle() async throws {
        let admin = ProjectorAdmin(target: context.db, logger: context.logger)
        let deadline = ContinuousClock.now + .seconds(300)
        let since = try await admin.currentWAL()
        while ContinuousClock.now < deadline {
            let rebuilding = try await context.scalar("SELECT count(*)::float8 FROM cutover.projection_checkpoint WHERE needs_rebuild")
            if rebuilding == 0, try await admin.caughtUp(context.projections, since: since) { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    struct Stats { var p50: Double; var p99: Double; var max: Double; var count: Int }

    func percentiles() async throws -> Stats {
        let p50 = try await context.scalar("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms) FROM bench.lag_samples")
        let p99 = try await context.scalar("SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms) FROM bench.lag_samples")
        let max = try await context.scalar("SELECT max(lag_ms) FROM bench.lag_samples")
        let count = try await context.scalar("SELECT count(*)::float8 FROM bench.lag_samples")
        return Stats(p50: p50, p99: p99, max: max, count: Int(count))
    }

    /// Per-second p99 of lag, for the chart.
    func lagSeries() async throws -> [Double] {
        try await Database.withConnection(context.db, logger: context.logger) { c in
            let rows = try await c.query("""
                SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY lag_ms) FROM bench.lag_samples
                GROUP BY date_trunc('second', seen_at) ORDER BY date_trunc('second', seen_at)
                """, logger: context.logger)
            var out: [Double] = []
            for try await v in rows.decode(Double.self) { out.append(v) }
            return out
        }
    }
}

/// Samples a process's RSS once a second.
struct RSSSampler: Sendable {
    let pid: Int32
    func run(seconds: Int) async -> [Double] {
        var out: [Double] = []
        for _ in 0..<seconds {
            try? await Task.sleep(for: .seconds(1))
            if let mb = MachineInfo.rssMegabytes(pid: pid) { out.append(mb) }
        }
        return out
    }
}
