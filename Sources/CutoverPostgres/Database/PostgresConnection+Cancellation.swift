import NIOCore
import PostgresNIO

extension PostgresConnection {
    /// Runs `body`, closing this connection if the task is cancelled meanwhile.
    ///
    /// PostgresNIO's queries do not observe task cancellation: a query waits for the server
    /// however long that takes. Closing the connection fails every query in flight on it at once
    /// (and the server rolls back an open transaction), so a cancelled task never waits on the
    /// server. The connection is unusable afterwards.
    public func closingOnCancellation<R>(_ body: () async throws -> R) async throws -> R {
        try await withTaskCancellationHandler {
            try await body()
        } onCancel: {
            let closing: EventLoopFuture<Void> = self.close()
            _ = closing
        }
    }
}
