import CutoverPostgres
import Foundation
import Synchronization

/// Shows a running backfill: on a terminal one `\r`-updated line (bar, rows, %, rows/s, ETA);
/// otherwise a plain line every few seconds and after each partition.
final class BackfillProgressPrinter: Sendable {
    private let tty: Bool
    private let interval: Double
    private let state = Mutex<(lastLine: ContinuousClock.Instant?, drawn: Bool)>((nil, false))

    init(tty: Bool = isatty(STDOUT_FILENO) == 1, interval: Double = 2) {
        self.tty = tty
        self.interval = interval
    }

    func handle(_ event: BackfillEvent) {
        switch event {
        case .started(let name, let total, let done, let partitions):
            let resumed = done > 0 ? ", resuming after \(Self.count(done)) rows done earlier" : ""
            let parts = partitions.isEmpty ? "" : " in \(partitions.count) partitions (\(partitions.joined(separator: ", ")))"
            say("backfill \(name): \(Self.count(total)) rows\(parts)\(resumed)")
        case .partitionStarted(let partition):
            say("→ partition \(partition)")
        case .batch(let p):
            let line = Self.line(p, bar: tty)
            if tty {
                write("\r\u{1B}[2K" + line)
                state.withLock { $0.drawn = true }
            } else {
                let due = state.withLock { s -> Bool in
                    if let last = s.lastLine, (ContinuousClock.now - last) < .milliseconds(Int64(interval * 1000)) { return false }
                    s.lastLine = .now
                    return true
                }
                if due { write(line + "\n") }
            }
        case .retrying(let attempt, let delay, let reason):
            say("batch retried (attempt \(attempt + 1) in \(delay) ms): \(reason)")
        case .finished(let s):
            say(String(format: "done: %@ rows in %@ batches, %@ changed, %.1f s, %@ rows/s, longest batch %.1f ms",
                       Self.count(s.rowsDone), Self.count(Int64(s.batches)), Self.count(s.rowsChanged), s.seconds,
                       Self.count(Int64(s.rowsPerSecond)), s.longestBatchMilliseconds))
        }
    }

    /// A whole line, first ending a progress bar that is on screen.
    private func say(_ text: String) {
        let drawn = state.withLock { s -> Bool in
            defer { s.drawn = false }
            return s.drawn
        }
        write((drawn ? "\n" : "") + text + "\n")
    }

    private func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }

    static func line(_ p: BackfillProgress, bar: Bool) -> String {
        let width = 24
        let filled = Int((p.fraction * Double(width)).rounded(.down))
        let graphic = bar ? "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " : ""
        let eta = p.etaSeconds.map { duration($0) } ?? "?"
        let partition = p.partition.map { " \($0)" } ?? ""
        return graphic + String(format: "%@/%@ rows %5.1f%%  %@ rows/s  ETA %@  batch %.1f ms (max %.1f)%@",
                                count(p.rowsDone), count(p.rowsTotal), p.fraction * 100, count(Int64(p.rowsPerSecond)), eta,
                                p.lastBatchMilliseconds, p.longestBatchMilliseconds, partition)
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// 1234567 → "1,234,567".
    static func count(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
