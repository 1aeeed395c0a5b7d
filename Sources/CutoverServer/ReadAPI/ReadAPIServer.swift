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
    public static func router(api: ReadAPI, authenticator: TokenAuthenticator, registry: PrometheusCollectorRegistry,
                              maxLagSeconds: Double) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: APIMetricsMiddleware())
        OperationsServer.addRoutes(to: router, registry: registry) { api.lagMonitor.readiness(maxLagSeconds: maxLagSeconds) }
        api.addRoutes(to: router, authenticator: authenticator)
        return router
    }

    public static func application(router: Router<APIRequestContext>, host: String, port: Int, logger: Logger,
                                   onServerRunning: (@Sendable (Int) async -> Void)? = nil) -> some ApplicationProtocol {
        Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "cutover"),
                    onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
