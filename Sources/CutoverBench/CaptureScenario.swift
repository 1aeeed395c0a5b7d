import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation

/// Write throughput of a realistic mix with 8 writers, without capture (the anchor: source tables
/// unpublished, default replica identity) and with capture (published, `REPLICA IDENTITY FULL`,
/// and the capture relay streaming the slot into the change log on the same machine, so its
/// decoding and inserts count against the writers), alternating phases to even out drift.
///
/// Phases run off, on, off, on, …, off: every capture phase sits between two anchor phases and is
/// compared with their mean, so a machine that speeds up or slows down during the run (other builds
/// on a shared box) moves both sides of each pair alike. Two figures: the ratio of the means over
/// all phases, and the median of the bracketed per-pair ratios (less sensitive to one disturbed phase).
struct CaptureScenario {
    let context: BenchContext
    /// Capture phases of each kind (each bracketed by anchor phases).
    var rounds = 3

    func run() async throws -> [BenchFigure] {
        let seconds = context.options.capturePhaseSeconds
        var without: [Double] = []
        // Per capture phase: its tps, the mean of the anchor phases around it, and whether the relay streamed.
        var captured: [(tps: Double, relay: Bool, relayedPerSecond: Double)] = []
        let phases = 4 * rounds + 1
        for phase in 0..<phases {
            let capture = phase % 2 == 1
            let relay = phase % 4 == 3
            try await context.setCapture(capture)
            context.progress("capture: phase \(phase + 1)/\(phases), "
                + (capture ? (relay ? "capture on, relay streaming meanwhile" : "capture on, relay afterwards") : "capture off")
                + ", 8 writers, \(seconds) s")
            // Earlier phases' WAL is not this phase's work: start the slot here.
            try await context.exec("""
                SELECT pg_replication_slot_advance(slot_name, pg_current_wal_lsn()) FROM pg_replication_slots
                WHERE slot_name = cutover.capture_slot_name() AND NOT active
                """)
            if !capture {
                without.append(try await context.pgbench(script: "write_mix", clients: 8, seconds: seconds))
            } else if relay {
                let (t, relayed) = try await withRelay { try await context.pgbench(script: "write_mix", clients: 8, seconds: seconds) }
                captured.append((t, true, relayed / Double(seconds)))
            } else {
                captured.append((try await context.pgbench(script: "write_mix", clients: 8, seconds: seconds), false, 0))
            }
        }
        try await context.setCapture(true)
        // The projector was not running: drop what was captured and rebuild from the write tables.
        try await context.exec("""
            SELECT pg_replication_slot_advance(slot_name, pg_current_wal_lsn()) FROM pg_replication_slots
            WHERE slot_name = cutover.capture_slot_name() AND NOT active
            """, "TRUNCATE cutover.change_log", "SELECT cutover.request_rebuild_all()")
        let anchor = without.reduce(0, +) / Double(without.count)
        func figures(relay: Bool) -> [BenchFigure] {
            let mine = captured.indices.filter { captured[$0].relay == relay }
            let tps = mine.map { captured[$0].tps }
            let pairs = mine.map { i in captured[i].tps / ((without[i] + without[i + 1]) / 2) }
            let mean = tps.reduce(0, +) / Double(tps.count)
            let pairNotes = "ratio per capture phase against the mean of the anchor phases around it: "
                + pairs.map { String(format: "%.2f", $0) }.joined(separator: ", ")
            let kind = relay ? "relay streaming on the same cores" : "relay afterwards"
            var notes = "without: \(without.map { Int($0) }), with: \(tps.map { Int($0) }); \(pairNotes)"
            if relay { notes += "; relayed changes/s: \(mine.map { Int(captured[$0].relayedPerSecond) })" }
            return [
                BenchFigure(scenario: "capture", figure: "write tx/s, 8 writers, mixed (\(kind))", cutover: mean, anchor: anchor, unit: "tx/s",
                            target: relay ? "(total cost on 2 cores)" : "ratio ≥ 0.90", notes: notes),
                BenchFigure(scenario: "capture", figure: "write ratio, median of \(pairs.count) bracketed phases (\(kind))", cutover: Self.median(pairs),
                            anchor: nil, unit: "ratio", target: relay ? "-" : "≥ 0.90", notes: pairNotes),
            ]
        }
        return figures(relay: false) + figures(relay: true)
    }

    /// Runs `body` while a capture relay streams the slot; returns its result and the changes relayed
    /// meanwhile (the relay catches up for a second before it stops).
    func withRelay(_ body: @escaping @Sendable () async throws -> Double) async throws -> (Double, Double) {
        let before = try await context.scalar("SELECT coalesce(sum(relayed_changes), 0)::float8 FROM cutover.capture_relay")
        let tps = try await context.whileRelaying(context.projections) {
            let tps = try await body()
            try await Task.sleep(for: .seconds(1))  // the last commits reach the change log
            return tps
        }
        let after = try await context.scalar("SELECT coalesce(sum(relayed_changes), 0)::float8 FROM cutover.capture_relay")
        return (tps, after - before)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
