import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `query`, failing at once with ``DatabaseError/Code/unreachable`` when the connection has
    /// already closed: PostgresNIO never completes a query written to a closed connection, so a
    /// plain `query` after a server restart would wait forever. Server errors become ``DatabaseError``.
    @discardableResult
    public func checkedQuery(_ query: PostgresQuery, logger: Logger, doing what: String) async throws -> PostgresRowSequence {
        if isClosed {
            throw DatabaseError(.unreachable, "\(what) failed: the connection to PostgreSQL was closed")
        }
        do {
            return try await self.query(query, logger: logger)
        } catch {
            throw Database.translate(error, doing: what)
        }
    }
}
