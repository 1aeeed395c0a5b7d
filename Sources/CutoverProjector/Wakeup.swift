import Synchronization

/// A wake-up signal for one waiter: notifications set it, the waiter sleeps until it is set or a
/// timeout passes. Several signals before a wait collapse into one.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Bool, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or the next wait if nobody waits.
    public func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume(returning: true)
    }

    /// Waits until signalled (returns true) or until `timeout` passes or the task is cancelled (false).
    public func wait(timeout: Duration) async -> Bool {
        let alreadySignalled = state.withLock { s -> Bool in
            if s.pending {
                s.pending = false
                return true
            }
            return false
        }
        if alreadySignalled { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let resumeNow = self.state.withLock { s -> Bool in
                        if s.pending {
                            s.pending = false
                            return true
                        }
                        s.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume(returning: true) }
                }
            }
            let first = await group.next() ?? false
            if !first {
                // Timed out (or cancelled): release the waiter so the group can finish.
                let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                    defer { s.waiter = nil }
                    return s.waiter
                }
                waiter?.resume(returning: false)
            }
            group.cancelAll()
            return first
        }
    }
}
