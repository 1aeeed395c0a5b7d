import Synchronization

/// At most `limit` operations at once; one more is refused at once rather than queued (the
/// legacy path: past its limit it answers 503 with `Retry-After` instead of piling up requests
/// that each hold a connection and run for hundreds of milliseconds).
public final class ConcurrencyLimit: Sendable {
    public let limit: Int
    private let running = Atomic<Int>(0)

    public init(limit: Int) {
        precondition(limit > 0, "a concurrency limit must be positive")
        self.limit = limit
    }

    /// Takes a place if one is free.
    public func tryEnter() -> Bool {
        var current = running.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = running.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Gives a place back (once per successful ``tryEnter()``).
    public func leave() {
        running.subtract(1, ordering: .releasing)
    }

    /// Operations running now.
    public var current: Int { running.load(ordering: .relaxed) }
}
