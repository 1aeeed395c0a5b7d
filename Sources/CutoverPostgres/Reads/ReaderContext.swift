import CutoverCore
import Logging
import PostgresNIO

/// Runs reads as a caller: one transaction that switches to role `cutover_reader` and sets the
/// caller's territories, user and user role as transaction-local settings, which the read tables'
/// row-level security and the views' masking evaluate. Nothing outlives the transaction, so a
/// pooled connection never carries one caller's context into another's request.
public enum ReaderContext {
    /// The statement that establishes the context (one round trip).
    static let sql = """
        SELECT set_config('role', 'cutover_reader', true), set_config('cutover.territories', $1, true),
               set_config('cutover.user_id', $2, true), set_config('cutover.user_role', $3, true)
        """
    /// The same without the role switch, for the legacy path (it reads the write tables, which
    /// readers are not granted; it checks territories itself and masks with the same function).
    static let settingsOnlySQL = """
        SELECT set_config('cutover.territories', $1, true), set_config('cutover.user_id', $2, true),
               set_config('cutover.user_role', $3, true)
        """

    /// Runs `body` inside a transaction that carries `caller`'s context.
    public static func run<R: Sendable>(_ client: PostgresClient, as caller: Caller, switchRole: Bool = true, logger: Logger,
                                        _ body: (PostgresConnection) async throws -> sending R) async throws -> sending R {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await apply(caller, on: connection, switchRole: switchRole, logger: logger)
                return try await body(connection)
            }
        } catch {
            throw Database.translate(error, doing: "read")
        }
    }

    /// Sets `caller`'s context on a connection that is inside a transaction.
    public static func apply(_ caller: Caller, on connection: PostgresConnection, switchRole: Bool = true, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(caller.territories.joined(separator: ","))
        binds.append(caller.userID.map { String($0) } ?? "")
        binds.append(caller.userRole ?? "")
        _ = try await connection.query(PostgresQuery(unsafeSQL: switchRole ? sql : settingsOnlySQL, binds: binds), logger: logger).collect()
    }
}
