import CutoverCore
import Foundation
import Synchronization

/// Read-model latency, failures and shadow mismatches per reader flag, view and module, over the
/// sliding window the automatic rollback decides on.
public final class ReadHealthMonitor: Sendable {
    /// One view of a reader flag in one module.
    public struct Key: Sendable, Hashable {
        public var flag: String
        public var view: APIView
        public var module: String

        public init(flag: String, view: APIView, module: String) {
            self.flag = flag
            self.view = view
            self.module = module
        }
    }

    let windowSeconds: Double
    let windows = Mutex([Key: ReadHealthWindow]())
    /// Legacy reads per view (every module), for the latency comparison.
    let legacy = Mutex([APIView: ReadHealthWindow]())

    public init(windowSeconds: Double) {
        self.windowSeconds = windowSeconds
    }

    /// A read the read model served (or answered in shadow mode).
    public func recordRead(_ key: Key, milliseconds: Double, failed: Bool, at: Double = Date().timeIntervalSince1970) {
        windows.withLock { w in
            w[key, default: ReadHealthWindow(windowSeconds: windowSeconds)].recordRead(at: at, milliseconds: milliseconds, failed: failed)
        }
    }

    /// A read the legacy path served (any module, any flag state).
    public func recordLegacyRead(_ view: APIView, milliseconds: Double, at: Double = Date().timeIntervalSince1970) {
        legacy.withLock { w in
            w[view, default: ReadHealthWindow(windowSeconds: windowSeconds)].recordRead(at: at, milliseconds: milliseconds, failed: false)
        }
    }

    /// A shadow comparison.
    public func recordComparison(_ key: Key, mismatch: Bool, at: Double = Date().timeIntervalSince1970) {
        windows.withLock { w in
            w[key, default: ReadHealthWindow(windowSeconds: windowSeconds)].recordComparison(at: at, mismatch: mismatch)
        }
    }

    /// Every key's figures now (old entries are dropped on the way).
    public func stats(now: Double = Date().timeIntervalSince1970) -> [Key: ReadHealthStats] {
        let legacyStats = legacy.withLock { w in
            var out: [APIView: ReadHealthStats] = [:]
            for view in Array(w.keys) {
                w[view]!.trim(now: now)
                out[view] = w[view]!.stats(now: now)
            }
            return out
        }
        return windows.withLock { w in
            var out: [Key: ReadHealthStats] = [:]
            for key in Array(w.keys) {
                w[key]!.trim(now: now)
                var stats = w[key]!.stats(now: now)
                if let legacy = legacyStats[key.view] {
                    stats.legacyReads = legacy.reads
                    stats.legacyP95Milliseconds = legacy.p95Milliseconds
                }
                out[key] = stats
            }
            return out
        }
    }

    /// Starts every view of `flag` in `module` afresh (after the module's rollback).
    public func reset(flag: String, module: String) {
        windows.withLock { w in
            for key in w.keys where key.flag == flag && key.module == module { w[key]!.reset() }
        }
    }
}
