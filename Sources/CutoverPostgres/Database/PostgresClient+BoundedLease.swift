import PostgresNIO
import Synchronization

extension PostgresClient {
    /// The default bound on waiting for a pooled connection (`api.connectionWaitMilliseconds`).
    public static let defaultConnectionWait: Duration = .seconds(2)

    /// Runs `body` on a pooled connection, waiting at most `wait` for one. A request that cannot
    /// get a connection in time (the database is down or restarting, or the pool is exhausted)
    /// fails with ``DatabaseError/Code/unreachable`` and its lease request is withdrawn; once a
    /// connection is leased, `body` runs as long as it takes (statement timeouts bound that); if
    /// the task is cancelled meanwhile, the connection is closed, so its statement ends too.
    public func withConnection<R: Sendable>(waitingAtMost wait: Duration,
                                            _ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        let leased = LeaseFlag()
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                try await self.withConnection { connection in
                    leased.mark()
                    // A cancelled request (client gone, server shutting down) closes its
                    // connection, which ends its statement (the pool replaces the connection).
                    return try await connection.closingOnCancellation { try await body(connection) }
                }
            }
            group.addTask {
                try await Task.sleep(for: wait)
                if leased.isMarked { return nil }
                throw DatabaseError(.unreachable, "no database connection could be had within \(wait.components.seconds) s")
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let value = next { return value }
            }
            throw CancellationError()
        }
    }
}

/// Whether a lease was granted (set once, from the leasing task).
private final class LeaseFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func mark() { value.store(true, ordering: .releasing) }
    var isMarked: Bool { value.load(ordering: .acquiring) }
}
