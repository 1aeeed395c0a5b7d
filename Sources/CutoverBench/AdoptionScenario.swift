import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import PostgresNIO

/// Cutover on a schema nobody here wrote: pgbench's built-in `tpcb-like` script at full speed on a
/// database made by `pgbench -i -s 10`, without capture (the anchor: the engine installed, no table
/// published, no projector) and with the capture of `examples/pgbench/projections` applied and the
/// projector running as its own process; the commit-to-applied lag sampled meanwhile.
///
/// Phases alternate off, capture with only the relay streaming, off, capture with the projector, off,
/// …; each measured phase is compared with the mean of the anchor phases around it, so drift of a
/// shared machine moves both sides alike.
struct AdoptionScenario {
    let context: BenchContext
    let admin: DatabaseTarget
    var rounds = 2

    func run() async throws -> ([BenchFigure], [String: [Double]]) {
        let db = context.db.with(database: "bench_pgbench")
        let directory = context.options.adoptionProjectionsDirectory
        let projections = try ProjectionLoader.load(directory: directory)
        try await Database.withConnection(admin, logger: context.logger) { c in
            try await DatabaseAdmin.dropDatabase(db.url.database, on: c, logger: context.logger)
            try await DatabaseAdmin.createDatabaseIfMissing(db.url.database, on: c, logger: context.logger)
        }
        context.progress("adoption: pgbench -i -s 10 into \(db.url.database)")
        let initialise = try ProcessRunner(runAsUser: nil).run(context.pgbench, ["-i", "-s", "10", "-q", db.url.urlWithPassword])
        guard initialise.succeeded else { throw DatabaseError(.serverError, "pgbench -i failed: \(initialise.output.suffix(800))") }
        try await exec(db, "CREATE INDEX pgbench_accounts_bid ON public.pgbench_accounts (bid)",
                       "CREATE INDEX pgbench_history_tid ON public.pgbench_history (tid)")
        _ = try await EngineInstaller(target: db, binaryVersion: context.options.binaryVersion, logger: context.logger)
            .install(capture: .wal, directory: ReaderDirectory())
        let seconds = context.options.capturePhaseSeconds
        // Phases: off, capture (relay only), off, capture + projector, off, … ending off; each measured
        // phase is compared with the anchor phases around it.
        var without: [Double] = []
        var relayOnly: [(tps: Double, index: Int)] = []
        var projected: [(tps: Double, index: Int)] = []
        var lagSamples: [Double] = []
        let log = (context.options.outDirectory as NSString).appendingPathComponent("adoption-projector.log")
        let phases = 4 * rounds + 1
        for phase in 0..<phases {
            let label = "adoption: phase \(phase + 1)/\(phases)"
            if phase % 2 == 0 {
                try await setCapture([], on: db, directory: directory)
                context.progress("\(label), capture off, tpcb-like, \(seconds) s")
                without.append(try tpcb(db, seconds: seconds))
                continue
            }
            try await setCapture(projections, on: db, directory: directory)
            if phase % 4 == 1 {
                context.progress("\(label), capture on, relay streaming (no projector), tpcb-like, \(seconds) s")
                let tps = try await context.whileRelaying(projections, on: db) { try self.tpcb(db, seconds: seconds) }
                relayOnly.append((tps, without.count - 1))
                continue
            }
            let projector = try BenchProcess(context.options.cutoverBinary, [
                "project", "--database-url", db.url.urlWithPassword, "--set", "projections.directory=\(directory)",
                "--log-level", "warning", "--set", "http.port=0",
            ], log: log)
            try await waitUntilCaughtUp(db, projections, timeout: .seconds(600))
            context.progress("\(label), capture on and projector running, tpcb-like, \(seconds) s")
            async let sampled = sampleLag(db, projections, seconds: seconds)
            projected.append((try tpcb(db, seconds: seconds), without.count - 1))
            lagSamples += await sampled
            try await waitUntilCaughtUp(db, projections, timeout: .seconds(600))
            projector.stop()
        }
        try await setCapture([], on: db, directory: directory)
        let anchor = without.reduce(0, +) / Double(without.count)
        func ratios(_ measured: [(tps: Double, index: Int)]) -> [Double] {
            measured.map { $0.tps / ((without[$0.index] + without[$0.index + 1]) / 2) }
        }
        func notes(_ measured: [(tps: Double, index: Int)]) -> String {
            "without: \(without.map { Int($0) }), with: \(measured.map { Int($0.tps) }); ratio per phase against the anchor phases around it: "
                + ratios(measured).map { String(format: "%.2f", $0) }.joined(separator: ", ")
        }
        func mean(_ measured: [(tps: Double, index: Int)]) -> Double { measured.map(\.tps).reduce(0, +) / Double(max(1, measured.count)) }
        let sorted = lagSamples.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))] }
        return ([
            BenchFigure(scenario: "adoption", figure: "pgbench tpcb-like tx/s, 4 clients, scale 10: capture, relay streaming", cutover: mean(relayOnly),
                        anchor: anchor, unit: "tx/s", target: "report (capture cost on 2 cores)", notes: notes(relayOnly)),
            BenchFigure(scenario: "adoption", figure: "pgbench tpcb-like tx/s: capture and the projector running", cutover: mean(projected), anchor: anchor,
                        unit: "tx/s", target: "report (total cost on 2 cores)", notes: notes(projected)),
            BenchFigure(scenario: "adoption", figure: "lag p50 under tpcb-like (worst projection, \(sorted.count) samples)", cutover: percentile(0.5),
                        anchor: nil, unit: "s", target: "report", higherIsBetter: false),
            BenchFigure(scenario: "adoption", figure: "lag p99 under tpcb-like (worst projection)", cutover: percentile(0.99), anchor: nil, unit: "s",
                        target: "report", higherIsBetter: false),
        ], ["adoption_lag_s": lagSamples])
    }

    /// `cutover projections apply` for `projections` (none: nothing captured).
    func setCapture(_ projections: [ProjectionDefinition], on db: DatabaseTarget, directory: String) async throws {
        try await Database.withConnection(db, logger: context.logger) { connection in
            let applier = CaptureApplier(directory: directory, logger: context.logger)
            try await applier.apply(try await applier.plan(projections, on: connection), projections: projections, on: connection)
            // Whatever the slot holds from the anchor phase is not the projector's work.
            try await connection.checkedQuery("""
                SELECT pg_replication_slot_advance(slot_name, pg_current_wal_lsn()) FROM pg_replication_slots
                WHERE slot_name = cutover.capture_slot_name() AND NOT active
                """, logger: context.logger, doing: "advancing the capture slot")
        }
    }

    func tpcb(_ db: DatabaseTarget, seconds: Int) throws -> Double {
        let result = try ProcessRunner(runAsUser: nil).run(context.pgbench, ["-b", "tpcb-like", "-n", "-c", "4", "-j", "2", "-T", "\(seconds)", db.url.urlWithPassword])
        guard result.succeeded, let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
              let tps = Double(line.dropFirst(6).split(separator: " ").first ?? "") else {
            throw DatabaseError(.serverError, "pgbench failed: \(result.output.suffix(800))")
        }
        return tps
    }

    /// The largest projection lag every 250 ms for `seconds`.
    func sampleLag(_ db: DatabaseTarget, _ projections: [ProjectionDefinition], seconds: Int) async -> [Double] {
        let admin = ProjectorAdmin(target: db, logger: context.logger)
        var samples: [Double] = []
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end {
            if let rows = try? await admin.status(projections) { samples.append(rows.map(\.lagSeconds).max() ?? 0) }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return samples
    }

    func waitUntilCaughtUp(_ db: DatabaseTarget, _ projections: [ProjectionDefinition], timeout: Duration) async throws {
        let admin = ProjectorAdmin(target: db, logger: context.logger)
        let since = try await admin.currentWAL()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let rebuilding = try await Database.withConnection(db, logger: context.logger) { c in
                var pending = true
                for try await any in try await c.checkedQuery("SELECT EXISTS (SELECT 1 FROM cutover.projection_checkpoint WHERE needs_rebuild)",
                                                             logger: context.logger, doing: "bench").decode(Bool.self) { pending = any }
                return pending
            }
            if !rebuilding, try await admin.caughtUp(projections, since: since) { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw DatabaseError(.notCaughtUp, "adoption: the projector did not catch up within \(timeout)")
    }

    func exec(_ db: DatabaseTarget, _ statements: String...) async throws {
        try await Database.withConnection(db, logger: context.logger) { c in
            for s in statements { try await c.checkedExecute(s, logger: context.logger, doing: "bench set-up") }
        }
    }
}
