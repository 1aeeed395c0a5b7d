import CutoverCore
import Foundation
import Hummingbird

/// The read API's side of the flags: which source serves a caller's read (evaluated in process
/// from the ``FlagCache``), plus where reads are reported — read-model health for the automatic
/// rollback, shadow comparisons, read usage.
public struct ReaderFlags: Sendable {
    public var cache: FlagCache
    /// Serve every read from this source and ignore the flags (`api.forceSource`).
    public var forcedSource: ReadSource?
    /// How long a read waits for the first flag load after start before it gets a 503.
    public var startupWait: Duration
    public var health: ReadHealthMonitor
    public var shadow: ShadowComparator?
    public var usage: ReadUsageRecorder?

    public init(cache: FlagCache, forcedSource: ReadSource? = nil, startupWaitSeconds: Double = 10, health: ReadHealthMonitor,
                shadow: ShadowComparator? = nil, usage: ReadUsageRecorder? = nil) {
        self.cache = cache
        self.forcedSource = forcedSource
        self.startupWait = .milliseconds(Int64(startupWaitSeconds * 1000))
        self.health = health
        self.shadow = shadow
        self.usage = usage
    }

    /// Flags that always answer `source` (tests, benchmarks).
    public static func forced(_ source: ReadSource) -> ReaderFlags {
        ReaderFlags(cache: FlagCache(snapshot: FlagSnapshot(flags: [])), forcedSource: source, health: ReadHealthMonitor(windowSeconds: 60))
    }

    /// The sticky-rollout subject of a caller: its CRM user, else its token.
    public static func subject(of caller: Caller) -> String {
        caller.userID.map { "user:\($0)" } ?? "token:\(caller.tokenID)"
    }

    /// Which state serves `caller` reading `view`. Never answers from defaults: until the flags are
    /// loaded the read waits, then fails with 503.
    public func decide(_ view: APIView, for caller: Caller) async throws -> ReaderDecision {
        if let forcedSource {
            return ReaderDecision(flag: nil, state: forcedSource == .legacy ? .legacy : .readModel, evaluation: nil)
        }
        guard let snapshot = await cache.waitForSnapshot(timeout: startupWait) else {
            throw APIError(.unavailable, "the feature flags are not loaded yet; retry shortly")
        }
        return snapshot.readerDecision(view: view, module: caller.module, subject: Self.subject(of: caller))
    }
}
