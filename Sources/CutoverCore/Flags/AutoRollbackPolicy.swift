/// Thresholds of the automatic rollback (`rollback.*` in `config/cutover.yaml`).
public struct AutoRollbackThresholds: Sendable, Equatable {
    public var enabled: Bool
    public var windowSeconds: Double
    public var p95Milliseconds: Double
    public var maxErrorRate: Double
    public var maxMismatchRate: Double
    public var minRequests: Int
    public var minComparisons: Int

    public init(enabled: Bool = true, windowSeconds: Double = 60, p95Milliseconds: Double = 200, maxErrorRate: Double = 0.05,
                maxMismatchRate: Double = 0.01, minRequests: Int = 20, minComparisons: Int = 20) {
        self.enabled = enabled
        self.windowSeconds = windowSeconds
        self.p95Milliseconds = p95Milliseconds
        self.maxErrorRate = maxErrorRate
        self.maxMismatchRate = maxMismatchRate
        self.minRequests = minRequests
        self.minComparisons = minComparisons
    }
}

/// Measurements of one reader flag in one module over a sliding window: read-model reads (latency,
/// failure) and shadow comparisons (mismatch). Bounded: the oldest entries go first.
public struct ReadHealthWindow: Sendable {
    struct Read: Sendable {
        var at: Double
        var milliseconds: Double
        var failed: Bool
    }

    struct Comparison: Sendable {
        var at: Double
        var mismatch: Bool
    }

    public var windowSeconds: Double
    var reads: [Read] = []
    var comparisons: [Comparison] = []
    static let capacity = 20_000

    public init(windowSeconds: Double) {
        self.windowSeconds = windowSeconds
    }

    /// A read served (or shadow-read) by the read model, at unix seconds `at`.
    public mutating func recordRead(at: Double, milliseconds: Double, failed: Bool) {
        if reads.count >= Self.capacity { reads.removeFirst(reads.count / 4) }
        reads.append(Read(at: at, milliseconds: milliseconds, failed: failed))
    }

    /// A shadow comparison at `at`.
    public mutating func recordComparison(at: Double, mismatch: Bool) {
        if comparisons.count >= Self.capacity { comparisons.removeFirst(comparisons.count / 4) }
        comparisons.append(Comparison(at: at, mismatch: mismatch))
    }

    /// Forgets what is older than the window.
    public mutating func trim(now: Double) {
        let oldest = now - windowSeconds
        if let keep = reads.firstIndex(where: { $0.at >= oldest }) { reads.removeFirst(keep) } else { reads.removeAll() }
        if let keep = comparisons.firstIndex(where: { $0.at >= oldest }) { comparisons.removeFirst(keep) } else { comparisons.removeAll() }
    }

    /// Forgets everything (after a rollback: the next decision starts from fresh measurements).
    public mutating func reset() {
        reads.removeAll()
        comparisons.removeAll()
    }

    /// The window's figures at `now`.
    public func stats(now: Double) -> ReadHealthStats {
        let oldest = now - windowSeconds
        let inWindow = reads.filter { $0.at >= oldest }
        let compared = comparisons.filter { $0.at >= oldest }
        return ReadHealthStats(reads: inWindow.count, failed: inWindow.filter(\.failed).count,
                               p95Milliseconds: ReadHealthStats.p95(inWindow.map(\.milliseconds)),
                               comparisons: compared.count, mismatches: compared.filter(\.mismatch).count)
    }
}

/// The figures the policy decides on.
public struct ReadHealthStats: Sendable, Equatable {
    public var reads: Int
    public var failed: Int
    public var p95Milliseconds: Double
    public var comparisons: Int
    public var mismatches: Int
    /// The legacy path's reads of the same view in the same window (every module), and their p95:
    /// what a latency rollback would move the module to.
    public var legacyReads: Int = 0
    public var legacyP95Milliseconds: Double = 0

    public init(reads: Int, failed: Int, p95Milliseconds: Double, comparisons: Int, mismatches: Int,
                legacyReads: Int = 0, legacyP95Milliseconds: Double = 0) {
        self.reads = reads
        self.failed = failed
        self.p95Milliseconds = p95Milliseconds
        self.comparisons = comparisons
        self.mismatches = mismatches
        self.legacyReads = legacyReads
        self.legacyP95Milliseconds = legacyP95Milliseconds
    }

    /// The 95th percentile of `milliseconds` (0 for none).
    public static func p95(_ milliseconds: [Double]) -> Double {
        let sorted = milliseconds.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
    }

    public var errorRate: Double { reads == 0 ? 0 : Double(failed) / Double(reads) }
    public var mismatchRate: Double { comparisons == 0 ? 0 : Double(mismatches) / Double(comparisons) }
}

/// Decides whether a module's reader flag must go back to `legacy`.
public enum AutoRollbackPolicy {
    /// Why a rollback fires.
    public struct Breach: Sendable, Equatable {
        public enum Trigger: String, Sendable {
            case latency, errors, mismatches
        }

        public var trigger: Trigger
        /// The measured reason, for the audit row and the log.
        public var reason: String
    }

    /// The first breached threshold, if any. Latency and errors count only with `minRequests`
    /// reads in the window, mismatches only with `minComparisons` comparisons, so one slow read
    /// after a quiet hour does not roll anything back.
    ///
    /// Latency rolls back only when the legacy path was measured in the same window (at least
    /// `minRequests` legacy reads of the view) and was faster: when both are slow the server is
    /// saturated, and moving readers to the legacy path, many times slower per read, would turn
    /// the overload into an outage. Errors and mismatches roll back regardless.
    public static func breach(_ stats: ReadHealthStats, state: ReaderState, thresholds t: AutoRollbackThresholds) -> Breach? {
        guard t.enabled, state != .legacy else { return nil }
        let window = "over \(format(t.windowSeconds)) s"
        if stats.reads >= t.minRequests {
            if stats.errorRate > t.maxErrorRate {
                return Breach(trigger: .errors, reason: "read-model error rate \(percent(stats.errorRate)) > \(percent(t.maxErrorRate)) \(window) (\(stats.failed) of \(stats.reads) reads failed)")
            }
            if stats.p95Milliseconds > t.p95Milliseconds, stats.legacyReads >= t.minRequests,
               stats.p95Milliseconds > stats.legacyP95Milliseconds {
                return Breach(trigger: .latency, reason: "read-model p95 \(format(stats.p95Milliseconds)) ms > \(format(t.p95Milliseconds)) ms "
                    + "and > legacy p95 \(format(stats.legacyP95Milliseconds)) ms \(window) (\(stats.reads) read-model reads, \(stats.legacyReads) legacy reads)")
            }
        }
        if state == .shadow, stats.comparisons >= t.minComparisons, stats.mismatchRate > t.maxMismatchRate {
            return Breach(trigger: .mismatches, reason: "shadow mismatch rate \(percent(stats.mismatchRate)) > \(percent(t.maxMismatchRate)) \(window) (\(stats.mismatches) of \(stats.comparisons) comparisons)")
        }
        return nil
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)"
    }

    static func percent(_ share: Double) -> String { format(share * 100) + " %" }
}
