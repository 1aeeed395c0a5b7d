import CutoverPostgres
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// How the long-running commands (`serve`, `project`, `demo`) run their services: one
/// `ServiceGroup` that shuts down gracefully on SIGTERM and SIGINT within bounds, so the process
/// always exits within seconds.
enum ProcessServices {
    /// Graceful shutdown may take this long before what still runs is cancelled (cancellation
    /// closes database connections, so everything ends promptly).
    static let gracefulShutdownLimit: Duration = .seconds(4)
    /// Past this, a part that ignores cancellation is a bug: the process stops with a fatal error
    /// rather than hang.
    static let cancellationLimit: Duration = .seconds(4)

    /// Runs `services` until a signal or a failure. `http` is the address the HTTP server among
    /// them listens on: when it is taken, the error is ``DatabaseError/Code/portInUse`` (exit 75,
    /// a temporary condition) naming it, not an unexpected error.
    static func run(_ services: [any Service], http: (host: String, port: Int)? = nil, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = gracefulShutdownLimit
        configuration.maximumCancellationDuration = cancellationLimit
        let start = ContinuousClock.now
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            logger.info("stopped", metadata: ["error": "\(error)"])
            if let http, let io = error as? IOError, io.errnoCode == EADDRINUSE {
                throw DatabaseError(.portInUse,
                                    "http.port \(http.port) on \(http.host) is in use by another process; stop it, or choose another port with --set http.port=N (0 = any free port)",
                                    context: ["port": "\(http.port)"])
            }
            throw error
        }
        logger.info("stopped", metadata: ["uptime_seconds": "\(Int((ContinuousClock.now - start).components.seconds))"])
    }
}
