import CutoverCore
import CutoverPostgres
import CutoverProjector
import Hummingbird
import Logging
import PostgresNIO
import Prometheus

/// Assembles `cutover serve`: the read API, `/metrics`, `/health/live` and `/health/ready` on one
/// port. The caller runs the returned application, the lag monitor and the Postgres clients as
/// services in one ServiceGroup.
public enum ReadAPIServer {
    /// The router: operations endpoints, `/v1` reads, and, when given, `/admin/flags`, OFREP and the `/console`.
    /// Readiness needs the projections within `maxLagSeconds` and, unless reads are forced to one
    /// source, flags loaded and refreshed within `maxFlagStalenessSeconds`.
    public static func router(api: ReadAPI, authenticator: TokenAuthenticator, registry: PrometheusCollectorRegistry,
                              maxLagSeconds: Double, maxFlagStalenessSeconds: Double = 30,
                              flagAdmin: FlagAdminAPI? = nil, ofrep: OFREPAPI? = nil, console: ConsoleAPI? = nil) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: APIMetricsMiddleware())
        let flags = api.flags
        let staleness = Duration.milliseconds(Int64(maxFlagStalenessSeconds * 1000))
        OperationsServer.addRoutes(to: router, registry: registry) {
            let lag = api.lagMonitor.readiness(maxLagSeconds: maxLagSeconds)
            guard flags.forcedSource == nil else { return (lag.ready, lag.detail + "; reads forced to \(flags.forcedSource!.rawValue)") }
            let flagState = flags.cache.readiness(maxStaleness: staleness)
            return (lag.ready && flagState.ready, lag.detail + "; " + flagState.detail)
        }
        api.addRoutes(to: router, authenticator: authenticator)
        flagAdmin?.addRoutes(to: router, authenticator: authenticator)
        ofrep?.addRoutes(to: router, authenticator: authenticator)
        console?.addRoutes(to: router, authenticator: authenticator)
        return router
    }

    public static func application(router: Router<APIRequestContext>, host: String, port: Int, logger: Logger,
                                   onServerRunning: (@Sendable (Int) async -> Void)? = nil) -> some ApplicationProtocol {
        Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "cutover"),
                    onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
