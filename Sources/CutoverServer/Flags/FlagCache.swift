import CutoverCore
import Synchronization

/// The flags this process evaluates: the last snapshot loaded from the database and when. Reads
/// never call the database for a flag; ``FlagSyncService`` keeps this current.
public final class FlagCache: Sendable {
    struct State {
        var snapshot: FlagSnapshot?
        var loadedAt: ContinuousClock.Instant?
        var lastError: String?
    }

    let state = Mutex(State())

    public init(snapshot: FlagSnapshot? = nil) {
        if let snapshot { state.withLock { $0 = State(snapshot: snapshot, loadedAt: .now) } }
    }

    /// The current snapshot; nil until the first load.
    public var snapshot: FlagSnapshot? { state.withLock { $0.snapshot } }

    /// Replaces the snapshot after a successful load.
    public func replace(_ snapshot: FlagSnapshot) {
        state.withLock { $0 = State(snapshot: snapshot, loadedAt: .now, lastError: nil) }
    }

    /// Notes a failed load (the last good snapshot stays in use).
    public func noteFailure(_ message: String) {
        state.withLock { $0.lastError = message }
    }

    /// The snapshot, waiting up to `timeout` for the first load. Nil when none arrived in time.
    public func waitForSnapshot(timeout: Duration) async -> FlagSnapshot? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let snapshot { return snapshot }
            if ContinuousClock.now >= deadline || Task.isCancelled { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Readiness: loaded at least once, and refreshed within `maxStaleness`.
    public func readiness(maxStaleness: Duration) -> (ready: Bool, detail: String) {
        state.withLock { s in
            guard let loadedAt = s.loadedAt, let snapshot = s.snapshot else {
                return (false, "flags not loaded yet" + (s.lastError.map { " (\($0))" } ?? ""))
            }
            let age = ContinuousClock.now - loadedAt
            if age > maxStaleness {
                return (false, "flags not refreshed for \(age.components.seconds) s" + (s.lastError.map { " (\($0))" } ?? ""))
            }
            return (true, "\(snapshot.flags.count) flags")
        }
    }
}
