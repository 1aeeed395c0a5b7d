import CutoverCore
import Logging
import NIOCore
import PostgresNIO

/// Where and how to connect: a URL plus pool settings.
public struct DatabaseTarget: Sendable {
    public var url: DatabaseURL
    public var poolSize: Int
    public var connectTimeoutSeconds: Double
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String

    public init(url: DatabaseURL, poolSize: Int = 8, connectTimeoutSeconds: Double = 5, applicationName: String = "cutover") {
        self.url = url
        self.poolSize = poolSize
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }

    /// The same server and credentials, another database.
    public func with(database: String) -> DatabaseTarget {
        var copy = self
        copy.url.database = database
        return copy
    }

    var connectTimeout: Duration { .milliseconds(Int64(connectTimeoutSeconds * 1000)) }

    /// A pool configuration for `PostgresClient`.
    public var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch url.tls {
        case "require": .require(.makeClientConfiguration())
        case "prefer": .prefer(.makeClientConfiguration())
        default: .disable
        }
        var config = PostgresClient.Configuration(host: url.host, port: url.port, username: url.user,
                                                  password: url.password, database: url.database, tls: tls)
        config.options.maximumConnections = poolSize
        config.options.minimumConnections = 0
        config.options.connectTimeout = connectTimeout
        config.options.additionalStartupParameters = [("application_name", applicationName)]
        return config
    }

    /// ``clientConfiguration`` whose sessions cancel any statement running longer than
    /// `statementTimeout`, and notice within a second when their client went away (a closed
    /// connection then ends its running statement instead of letting it run to its end).
    public func clientConfiguration(statementTimeout: Duration) -> PostgresClient.Configuration {
        var config = clientConfiguration
        let milliseconds = statementTimeout.wholeMilliseconds
        config.options.additionalStartupParameters += [("statement_timeout", "\(milliseconds)"), ("client_connection_check_interval", "1000")]
        return config
    }

    /// A single-connection configuration, used for LISTEN, locks and the migrator.
    public var connectionConfiguration: PostgresConnection.Configuration {
        var config: PostgresConnection.Configuration
        switch url.tls {
        case "require", "prefer":
            // Only used against servers that require it; verification follows the system trust store.
            let context = try? NIOSSLContext(configuration: .makeClientConfiguration())
            if let context {
                config = .init(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
                               tls: url.tls == "require" ? .require(context) : .prefer(context))
            } else {
                config = .init(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: .disable)
            }
        default:
            config = .init(host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: .disable)
        }
        config.options.connectTimeout = .milliseconds(Int64(connectTimeoutSeconds * 1000))
        config.options.additionalStartupParameters = [("application_name", applicationName)]
        return config
    }
}
