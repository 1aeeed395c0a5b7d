import Foundation
import NIOCore
import PostgresNIO

/// Why a connection to PostgreSQL could not be opened, in words an operator can act on: the
/// host not found, nothing listening on the port, no answer within the connect timeout, the host
/// unreachable, the server closing the handshake. Never PostgresNIO's generic `PSQLError` text.
enum ConnectFailure {
    /// The cause of connect failure `error` (a `PSQLError` or what it wraps); `timeoutSeconds` is
    /// the configured `database.connectTimeoutSeconds`.
    static func cause(_ error: any Error, timeoutSeconds: Double) -> String {
        let timeout = "no answer within \(seconds(timeoutSeconds)) (database.connectTimeoutSeconds); a wrong host, a firewall dropping packets, or an overloaded server"
        if let psql = error as? PSQLError {
            if let underlying = psql.underlying { return cause(underlying, timeoutSeconds: timeoutSeconds) }
            switch psql.code {
            case .serverClosedConnection, .uncleanShutdown:
                return "the server closed the connection during the handshake; is this port a PostgreSQL server (not a proxy or another service)?"
            case .sslUnsupported:
                return "the server does not offer TLS, which database.tls requires"
            case .clientClosedConnection:
                return timeout
            default:
                return "connection failed (\(psql.code))"
            }
        }
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty, connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return "host not found in DNS"
            }
            let causes = connection.connectionErrors.map { cause($0.error, timeoutSeconds: timeoutSeconds) }
            return causes.first ?? "connection failed"
        }
        if case ChannelError.connectTimeout = error { return timeout }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused: nothing listens on that port"
            case ETIMEDOUT: return timeout
            case EHOSTUNREACH, ENETUNREACH: return "host unreachable (no route to it)"
            case ECONNRESET: return "the connection was reset during the handshake"
            default: return "connection failed: \(String(cString: strerror(io.errnoCode)))"
            }
        }
        if error is SocketAddressError { return "host not found in DNS" }
        return "connection failed: \(String(describing: error).prefix(160))"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
