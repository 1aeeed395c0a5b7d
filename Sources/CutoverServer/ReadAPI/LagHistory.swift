import Foundation
import Synchronization

/// The last hour of projection lag, kept in memory by ``LagMonitor`` for the ops console's chart:
/// a ring buffer of one sample per successful poll, so memory stays bounded however long the
/// process runs. Starts empty with the process; ``startedAt`` says since when it has samples.
public final class LagHistory: Sendable {
    /// Lag per projection at one instant.
    public struct Sample: Sendable, Equatable {
        /// Unix seconds.
        public var at: Double
        /// Seconds per projection (a projection that is not built is absent).
        public var lagSeconds: [String: Double]

        /// A sample taken at `at` (Unix seconds).
        public init(at: Double, lagSeconds: [String: Double]) {
            self.at = at
            self.lagSeconds = lagSeconds
        }
    }

    struct Ring {
        var items: [Sample] = []
        /// Where the next sample goes once the buffer is full (the oldest one).
        var head = 0
    }

    /// How far back the history reaches, in seconds.
    public let windowSeconds: Double
    /// The most samples kept.
    public let capacity: Int
    /// Unix seconds when this history (and, in `cutover serve`, the process) started.
    public let startedAt: Double
    let ring = Mutex(Ring())

    /// - Parameters:
    ///   - windowSeconds: how far back samples are kept (one hour by default).
    ///   - intervalSeconds: how often samples arrive; sizes the buffer to the window plus a margin.
    public init(windowSeconds: Double = 3600, intervalSeconds: Double = 1, startedAt: Double = Date().timeIntervalSince1970) {
        self.windowSeconds = windowSeconds
        self.capacity = max(2, Int((windowSeconds / max(intervalSeconds, 0.001)).rounded(.up)) + 60)
        self.startedAt = startedAt
    }

    /// Adds a sample, overwriting the oldest one when the buffer is full.
    public func record(_ sample: Sample) {
        ring.withLock { r in
            if r.items.count < capacity {
                r.items.append(sample)
            } else {
                r.items[r.head] = sample
                r.head = (r.head + 1) % capacity
            }
        }
    }

    /// The samples within the window before `now`, oldest first.
    public func samples(now: Double = Date().timeIntervalSince1970) -> [Sample] {
        let ordered = ring.withLock { r in Array(r.items[r.head...] + r.items[..<r.head]) }
        return ordered.filter { $0.at >= now - windowSeconds && $0.at <= now }
    }
}
