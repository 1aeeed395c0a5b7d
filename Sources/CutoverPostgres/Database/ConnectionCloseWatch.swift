import NIOCore
import PostgresNIO
import Synchronization

/// Fails the queries waiting on a connection when that connection closes.
///
/// PostgresNIO drops a query that reaches a channel that has just closed (the write fails, the
/// query's own promise is never completed): its `await` never returns and ignores cancellation.
/// Checking `isClosed` first leaves a window, and a server restart hitting exactly that window
/// left a projection worker waiting forever. Every query through ``PostgresConnection/checkedQuery``
/// registers here and ends with ``DatabaseError/Code/unreachable`` once the channel's close future
/// completes, whatever happened to it inside PostgresNIO.
final class ConnectionCloseWatch: Sendable {
    private struct State {
        var closed = false
        var nextToken = 0
        var waiting: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())
    private static let watches = Mutex([ObjectIdentifier: ConnectionCloseWatch]())

    /// The watch of `connection` (one per connection, dropped when it closes).
    static func of(_ connection: PostgresConnection) -> ConnectionCloseWatch {
        let key = ObjectIdentifier(connection)
        let (watch, isNew) = watches.withLock { all -> (ConnectionCloseWatch, Bool) in
            if let existing = all[key] { return (existing, false) }
            let created = ConnectionCloseWatch()
            all[key] = created
            return (created, true)
        }
        if isNew {
            connection.closeFuture.whenComplete { _ in
                _ = watches.withLock { $0.removeValue(forKey: key) }
                watch.fire()
            }
        }
        return watch
    }

    /// Registers `onClose`; runs it at once (and returns nil) if the connection already closed.
    func add(_ onClose: @escaping @Sendable () -> Void) -> Int? {
        let token = state.withLock { s -> Int? in
            if s.closed { return nil }
            s.nextToken += 1
            s.waiting[s.nextToken] = onClose
            return s.nextToken
        }
        if token == nil { onClose() }
        return token
    }

    func remove(_ token: Int?) {
        guard let token else { return }
        _ = state.withLock { $0.waiting.removeValue(forKey: token) }
    }

    private func fire() {
        let handlers = state.withLock { s -> [@Sendable () -> Void] in
            s.closed = true
            defer { s.waiting.removeAll() }
            return Array(s.waiting.values)
        }
        for handler in handlers { handler() }
    }
}

/// Resumes a continuation once, whichever side comes first.
final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, any Error>?>(nil)

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(with result: Result<Value, any Error>) {
        let waiting = continuation.withLock { stored -> CheckedContinuation<Value, any Error>? in
            defer { stored = nil }
            return stored
        }
        waiting?.resume(with: result)
    }
}
