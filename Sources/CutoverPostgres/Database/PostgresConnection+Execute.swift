import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `sql` through ``checkedQuery(_:logger:doing:)`` and drains its rows; returns how many
    /// there were. An error the server raises while the rows stream (a `SELECT` of a function that
    /// fails) surfaces here, translated to ``DatabaseError`` like one raised before the first row.
    @discardableResult
    public func checkedExecute(_ sql: String, logger: Logger, doing what: String) async throws -> Int {
        var rows = 0
        do {
            for try await _ in try await checkedQuery(PostgresQuery(unsafeSQL: sql), logger: logger, doing: what) { rows += 1 }
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw Database.translate(error, doing: what)
        }
        return rows
    }
}
