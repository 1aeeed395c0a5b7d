/// Bounds how long an operation may take.
public enum Deadline {
    /// Thrown by ``run(within:_:)`` when time ran out; the operation was cancelled.
    public struct Exceeded: Error, Sendable, CustomStringConvertible {
        public var limit: Duration
        public var description: String { "did not finish within \(limit)" }
    }

    /// Runs `body`, cancelling it and throwing ``Exceeded`` if it has not finished within `limit`.
    /// The call returns once `body` has ended, so use it with operations that end when cancelled
    /// (a PostgresClient lease request, a sleep); a query already running on a connection does not.
    public static func run<R: Sendable>(within limit: Duration, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw Exceeded(limit: limit)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw Exceeded(limit: limit) }
            return value
        }
    }
}
