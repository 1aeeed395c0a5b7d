import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `query`, failing with ``DatabaseError/Code/unreachable`` when the connection is or
    /// becomes closed before it answered: PostgresNIO never completes a query that reaches a
    /// channel that has just closed, so a plain `query` racing a server restart could wait forever
    /// (``ConnectionCloseWatch``). Server errors become ``DatabaseError``.
    ///
    /// The query itself runs in a task of its own, which this call abandons when the connection
    /// closes: that is the only way to stop waiting on an await that never resumes.
    @discardableResult
    public func checkedQuery(_ query: PostgresQuery, logger: Logger, doing what: String) async throws -> PostgresRowSequence {
        let closed = DatabaseError(.unreachable, "\(what) failed: the connection to PostgreSQL was closed")
        if isClosed { throw closed }
        let watch = ConnectionCloseWatch.of(self)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PostgresRowSequence, any Error>) in
            let once = ResumeOnce(continuation)
            let token = watch.add { once.resume(with: .failure(closed)) }
            Task {
                let result: Result<PostgresRowSequence, any Error>
                do {
                    result = .success(try await self.query(query, logger: logger))
                } catch {
                    result = .failure(Database.translate(error, doing: what))
                }
                watch.remove(token)
                once.resume(with: result)
            }
        }
    }
}
