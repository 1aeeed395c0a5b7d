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
    /// Capture phases (each bracketed by anchor phases).
    var rounds = 4

    func run() async throws -> [BenchFigure] {
        let seconds = context.options.capturePhaseSeconds
        var without: [Double] = []
        var with: [Double] = []
        var relayedPerSecond: [Double] = []
        let phases = 2 * rounds + 1
        for phase in 0..<phases {
            let capture = phase % 2 == 1
            try await context.setCapture(capture)
            context.progress("capture: phase \(phase + 1)/\(phases), capture \(capture ? "on, relay streaming" : "off"), 8 writers, \(seconds) s")
            let tps: Double
            if capture {
                let (t, relayed) = try await withRelay { try await context.pgbench(script: "write_mix", clients: 8, seconds: seconds) }
                tps = t
                relayedPerSecond.append(relayed / Double(seconds))
            } else {
                tps = try await context.pgbench(script: "write_mix", clients: 8, seconds: seconds)
            }
            if capture { with.append(tps) } else { without.append(tps) }
        }
        try await context.setCapture(true)
        // The projector was not running: drop what was captured and rebuild from the write tables.
        try await context.exec("TRUNCATE cutover.change_log", "SELECT cutover.request_rebuild_all()")
        let a = without.reduce(0, +) / Double(without.count)
        let c = with.reduce(0, +) / Double(with.count)
        let pairs = with.indices.map { i in with[i] / ((without[i] + without[i + 1]) / 2) }
        let median = Self.median(pairs)
        let phaseNotes = "without: \(without.map { Int($0) }), with: \(with.map { Int($0) }); relayed changes/s: \(relayedPerSecond.map { Int($0) })"
        let pairNotes = "ratio per capture phase against the mean of the anchor phases around it: "
            + pairs.map { String(format: "%.2f", $0) }.joined(separator: ", ")
        return [
            BenchFigure(scenario: "capture", figure: "write tx/s, 8 writers, mixed", cutover: c, anchor: a, unit: "tx/s",
                        target: "ratio ≥ 0.90", notes: "\(phaseNotes); \(pairNotes)"),
            BenchFigure(scenario: "capture", figure: "write ratio, median of \(pairs.count) bracketed phases", cutover: median, anchor: nil,
                        unit: "ratio", target: "≥ 0.90", notes: pairNotes),
        ]
    }

    /// Runs `body` while a capture relay streams the slot; returns its result and the changes relayed
    /// meanwhile (the relay catches up before it stops).
    func withRelay(_ body: @escaping @Sendable () async throws -> Double) async throws -> (Double, Double) {
        let before = try await context.scalar("SELECT coalesce(sum(relayed_changes), 0)::float8 FROM cutover.capture_relay")
        let relay = CaptureRelay(projections: context.projections, target: context.db, settings: ProjectorSettings(),
                                 wakeAll: {}, logger: context.logger)
        let tps = try await withThrowingTaskGroup(of: Double?.self) { group in
            group.addTask { await relay.run(); return nil }
            group.addTask { try await body() }
            var result = 0.0
            while let next = try await group.next() {
                if let tps = next {
                    result = tps
                    try await Task.sleep(for: .seconds(1))  // the last commits reach the change log
                    relay.stop()
                }
            }
            return result
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
