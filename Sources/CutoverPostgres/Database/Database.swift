import CutoverCore
import Logging
import NIOCore
import PostgresNIO
import _ConnectionPoolModule
import Synchronization

/// Entry points for talking to PostgreSQL with clear errors.
public enum Database {
    private static let connectionIDs = Atomic<Int>(1)

    /// Opens one connection, translating failures into ``DatabaseError`` with the (redacted) URL and a hint.
    public static func connect(_ target: DatabaseTarget, logger: Logger) async throws(DatabaseError) -> PostgresConnection {
        let id = connectionIDs.add(1, ordering: .relaxed).newValue
        do {
            return try await PostgresConnection.connect(configuration: target.connectionConfiguration, id: id, logger: logger)
        } catch {
            throw translateConnectError(error, target: target)
        }
    }

    /// Whether `table` (schema-qualified) exists, e.g. before reading a table a later migration adds.
    public static func tableExists(_ connection: PostgresConnection, _ table: String, logger: Logger) async throws -> Bool {
        let rows = try await connection.checkedQuery("SELECT to_regclass(\(table)) IS NOT NULL", logger: logger, doing: "looking for \(table)")
        for try await present in rows.decode(Bool.self) { return present }
        return false
    }

    /// Runs `body` with one connection that is closed afterwards, or as soon as the task is
    /// cancelled (every query in flight then fails at once).
    public static func withConnection<R: Sendable>(_ target: DatabaseTarget, logger: Logger,
                                                   _ body: (PostgresConnection) async throws -> R) async throws -> R {
        let connection = try await connect(target, logger: logger)
        do {
            let result = try await connection.closingOnCancellation { try await body(connection) }
            if !connection.isClosed { try? await connection.close() }
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs `body` with a connection pool that lives for the duration of the call.
    ///
    /// Connects once first so an unreachable server fails fast with a clear message instead of
    /// the pool retrying in the background.
    public static func withClient<R: Sendable>(_ target: DatabaseTarget, logger: Logger,
                                               _ body: (PostgresClient) async throws -> R) async throws -> R {
        let probe = try await connect(target, logger: logger)
        try? await probe.close()
        let client = PostgresClient(configuration: target.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: R?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Maps a connect failure to a clear message naming host, port and the cause (refused,
    /// timeout, unknown host, login refused) with the URL, its password hidden.
    static func translateConnectError(_ error: any Error, target: DatabaseTarget) -> DatabaseError {
        let url = target.url.description
        let server = "PostgreSQL at \(target.url.host):\(target.url.port)"
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo {
                let state = info[.sqlState] ?? ""
                let message = info[.message] ?? "server error"
                switch state {
                case "28P01", "28000":
                    return DatabaseError(.authenticationFailed,
                                         "cannot log in to \(server) as \(target.url.user) (login refused: \(message)); URL \(url); check database.user / database.password (or database.url)",
                                         context: ["url": url, "cause": "login refused"], sqlState: state)
                case "3D000":
                    return DatabaseError(.databaseMissing,
                                         "database \"\(target.url.database)\" does not exist on \(url); create it or run `cutover dev up` for a local cluster",
                                         context: ["url": url], sqlState: state)
                default:
                    return DatabaseError(.serverError, "cannot connect to \(server) (\(message), SQLSTATE \(state)); URL \(url)",
                                         context: ["url": url], sqlState: state)
                }
            }
            if psql.code == .authMechanismRequiresPassword {
                return DatabaseError(.authenticationFailed,
                                     "cannot log in to \(server) as \(target.url.user) (login refused: the server wants a password); URL \(url); set database.password or put it in database.url",
                                     context: ["url": url, "cause": "login refused"])
            }
        }
        let cause = ConnectFailure.cause(error, timeoutSeconds: target.connectTimeoutSeconds)
        return DatabaseError(.unreachable,
                             "cannot reach PostgreSQL at \(target.url.host):\(target.url.port) (\(cause)); URL \(url); is it running? For a local throwaway cluster run `cutover dev up`",
                             context: ["url": url, "cause": cause])
    }

    /// Maps an error thrown by a query to a ``DatabaseError`` keeping SQLSTATE and server message.
    public static func translate(_ error: any Error, doing what: String) -> DatabaseError {
        if let e = error as? DatabaseError { return e }
        if let tx = error as? PostgresTransactionError {
            if let inner = tx.closureError ?? tx.commitError ?? tx.beginError { return translate(inner, doing: what) }
        }
        if let pool = error as? ConnectionPoolError {
            // A PostgresClient that cannot open connections (its circuit breaker open) or is shut down.
            return DatabaseError(.unreachable, "\(what) failed: no database connection could be had (\(pool))")
        }
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo {
                let state = info[.sqlState] ?? ""
                var message = info[.message] ?? "server error"
                if let detail = info[.detail] { message += " (\(detail))" }
                if let hint = info[.hint] { message += "; hint: \(hint)" }
                // 57P01-57P03: the server is shutting down, crashed or starting; 08xxx: connection
                // failures. Both are outages, not bad requests.
                let code: DatabaseError.Code = state == "55P03" ? .lockTimeout
                    : state == "57014" ? .statementTimeout
                    : (state.hasPrefix("57P") || state.hasPrefix("08")) ? .unreachable : .serverError
                return DatabaseError(code, "\(what) failed: \(message) [SQLSTATE \(state)]", context: ["sqlState": state], sqlState: state)
            }
            return DatabaseError(.unreachable, "\(what) failed: the connection to PostgreSQL was lost (\(psql.code))")
        }
        return DatabaseError(.serverError, "\(what) failed: \(error)")
    }
}
