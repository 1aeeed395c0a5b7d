import CutoverCore
import Logging
import PostgresNIO

/// The legacy path's request context: one transaction whose transaction-local settings carry
/// the caller's territories, user and user role, so the legacy queries mask protected contacts
/// with the same `cutover.reader_sees_contacts` the read views use. (The read-model path sets
/// the same settings, and switches to `cutover_reader`, inside its one statement:
/// `cutover.api_read`.) Nothing outlives the transaction, so a pooled
/// connection never carries one caller's context into another's request.
public enum ReaderContext {
    static let sql = """
        SELECT set_config('cutover.territories', $1, true), set_config('cutover.user_id', $2, true),
               set_config('cutover.user_role', $3, true)
        """
    static let sqlWithTimeout = """
        SELECT set_config('cutover.territories', $1, true), set_config('cutover.user_id', $2, true),
               set_config('cutover.user_role', $3, true), set_config('statement_timeout', $4, true)
        """

    /// The caller's context (territories, user id, user role) as the first three bindings, the
    /// arguments of `cutover.api_context` and of the settings above.
    public static func bindings(_ caller: Caller) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(caller.territories.joined(separator: ","))
        binds.append(caller.userID.map { String($0) } ?? "")
        binds.append(caller.userRole ?? "")
        return binds
    }

    /// Runs `body` inside a transaction that carries `caller`'s context, waiting at most
    /// `connectionWait` for a pooled connection.
    /// `statementTimeout`, when given, bounds each statement of the transaction (`SET LOCAL`).
    public static func run<R: Sendable>(_ client: PostgresClient, as caller: Caller, logger: Logger,
                                        connectionWait: Duration = PostgresClient.defaultConnectionWait,
                                        statementTimeout: Duration? = nil,
                                        _ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        var binds = bindings(caller)
        if let statementTimeout {
            binds.append("\(statementTimeout.wholeMilliseconds)")
        }
        let setup = PostgresQuery(unsafeSQL: statementTimeout == nil ? sql : sqlWithTimeout, binds: binds)
        do {
            return try await client.withConnection(waitingAtMost: connectionWait) { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    _ = try await connection.query(setup, logger: logger).collect()
                    return try await body(connection)
                }
            }
        } catch {
            throw Database.translate(error, doing: "read")
        }
    }
}
