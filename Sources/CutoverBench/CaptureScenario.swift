import CutoverPostgres
import Foundation

/// Write throughput of a realistic mix with 8 writers, without capture (the anchor: the triggers
/// disabled) and with capture, alternating phases to even out drift of the machine.
struct CaptureScenario {
    let context: BenchContext

    func run() async throws -> [BenchFigure] {
        let seconds = context.options.capturePhaseSeconds
        var without: [Double] = []
        var with: [Double] = []
        for phase in 0..<4 {
            let capture = phase % 2 == 1
            try await context.setCapture(capture)
            context.progress("capture: phase \(phase + 1)/4, capture \(capture ? "on" : "off"), 8 writers, \(seconds) s")
            let tps = try await context.pgbench(script: "write_mix", clients: 8, seconds: seconds)
            if capture { with.append(tps) } else { without.append(tps) }
        }
        try await context.setCapture(true)
        // The projector was not running: drop what was captured and rebuild from the write tables.
        try await context.exec("TRUNCATE cutover.change_log", "SELECT cutover.request_rebuild_all()")
        let a = without.reduce(0, +) / Double(without.count)
        let c = with.reduce(0, +) / Double(with.count)
        // Each capture phase against the phase before it: the spread shows how much the machine drifted.
        let pairs = zip(without, with).map { String(format: "%.2f", $1 / $0) }.joined(separator: ", ")
        return [BenchFigure(scenario: "capture", figure: "write tx/s, 8 writers, mixed", cutover: c, anchor: a, unit: "tx/s",
                            target: "ratio ≥ 0.90",
                            notes: "without: \(without.map { Int($0) }), with: \(with.map { Int($0) }), ratio per pair: \(pairs)")]
    }
}
