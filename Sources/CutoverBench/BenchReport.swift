import Foundation

/// One line of the benchmark table: a figure for Cutover, its anchor measured in the same run,
/// and their ratio.
public struct BenchFigure: Codable, Sendable {
    public var scenario: String
    public var figure: String
    public var cutover: Double
    public var anchor: Double?
    public var unit: String
    /// cutover / anchor (for "lower is better" figures, such as seconds, a ratio below 1 favours Cutover).
    public var ratio: Double?
    public var target: String
    public var higherIsBetter: Bool
    public var notes: String

    public init(scenario: String, figure: String, cutover: Double, anchor: Double?, unit: String, target: String,
                higherIsBetter: Bool = true, notes: String = "") {
        self.scenario = scenario
        self.figure = figure
        self.cutover = cutover
        self.anchor = anchor
        self.unit = unit
        self.target = target
        self.higherIsBetter = higherIsBetter
        self.notes = notes
        if let anchor, anchor > 0, cutover > 0 { ratio = higherIsBetter ? cutover / anchor : cutover / anchor } else { ratio = nil }
    }
}

/// The whole run: machine, parameters, figures.
public struct BenchReport: Codable, Sendable {
    public var startedAt: String
    public var machine: String
    public var postgres: String
    public var customers: Int
    public var figures: [BenchFigure]
    public var series: [String: [Double]]

    /// The human table.
    public func table() -> String {
        var lines = ["machine: \(machine); \(postgres); \(customers) customers", ""]
        let header = ["scenario", "figure", "cutover", "anchor", "ratio", "target"]
        var rows = [header]
        for f in figures {
            rows.append([f.scenario, f.figure, Self.format(f.cutover, f.unit), f.anchor.map { Self.format($0, f.unit) } ?? "-",
                         f.ratio.map { String(format: "%.2f", $0) } ?? "-", f.target])
        }
        let widths = (0..<header.count).map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            lines.append(zip(row, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double, _ unit: String) -> String {
        switch unit {
        case "ms": String(format: "%.2f ms", value)
        case "s": String(format: "%.2f s", value)
        case "MB": String(format: "%.1f MB", value)
        case "ratio": String(format: "%.3f", value)
        default: String(format: "%.1f %@", value, unit)
        }
    }
}

/// The machine a figure was measured on (cores, memory), printed beside every run.
public enum MachineInfo {
    public static func describe() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        return String(format: "%d cores, %.0f GiB", cores, memory)
    }

    /// Resident set size of a process in MB (Linux /proc).
    public static func rssMegabytes(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return nil
    }
}
