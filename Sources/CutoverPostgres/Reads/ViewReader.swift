import CutoverCore
import Logging
import NIOCore
import PostgresNIO

/// Runs a declared view's ``ViewStatement`` and hands back the JSON PostgreSQL built, as bytes.
///
/// The read model: one statement, `cutover.api_read` (engine step 0005), which sets the caller's
/// context (role `cutover_reader`, territories, user, role; transaction-local) and then executes
/// the view's statement, so row-level security and masking apply and nothing outlives the
/// statement on a pooled connection. The legacy SQL: inside a ``ReaderContext`` transaction.
public struct ViewReader: Sendable {
    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// The read model's answer for `caller`; nil when an object view found nothing.
    public func readModel(on connection: PostgresConnection, as caller: Caller, _ statement: ViewStatement) async throws -> ByteBuffer? {
        var binds = ReaderContext.bindings(caller)
        binds.append(statement.sql)
        binds.append(statement.arguments)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT cutover.api_read($1, $2, $3, $4, $5)", binds: binds), logger: logger)
        return try await Self.body(rows)
    }

    /// The legacy SQL's answer, on a connection inside a ``ReaderContext`` transaction.
    public func legacy(on connection: PostgresConnection, _ statement: ViewStatement) async throws -> ByteBuffer? {
        var binds = PostgresBindings()
        binds.append(statement.arguments)
        let rows = try await connection.query(PostgresQuery(unsafeSQL: statement.sql, binds: binds), logger: logger)
        return try await Self.body(rows)
    }

    /// The one `json` value of the first row (its binary form is the text); nil for no row or NULL.
    static func body(_ rows: PostgresRowSequence) async throws -> ByteBuffer? {
        var body: ByteBuffer?
        for try await value in rows.decode(ByteBuffer?.self) where body == nil {
            body = value
        }
        return body
    }
}
