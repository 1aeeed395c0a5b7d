import CutoverCore
import CutoverPostgres
import Foundation
import Hummingbird
import Logging
import Metrics
import PostgresNIO
import Prometheus

/// The operational HTTP endpoints every long-running Cutover process serves: `/metrics`
/// (Prometheus text format), `/health/live` and `/health/ready`. The read API (a later issue)
/// adds its routes to the same router.
public enum OperationsServer {
    /// Bootstraps swift-metrics with a Prometheus registry. `MetricsSystem.bootstrap` may run once
    /// per process, so callers do this once at start-up and pass the registry on. Every metric
    /// gets its `# HELP` text from ``MetricHelp`` (``HelpTextMetricsFactory``).
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = HelpTextMetricsFactory(registry: registry)
        // The read SLO is p95 ≤ 200 ms: a bucket bound there makes the quantile exact at the threshold.
        factory.durationBuckets[requestDurationMetric] = (factory.defaultDurationBuckets + [.milliseconds(200)]).sorted()
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// The read API's request histogram (``APIMetricsMiddleware``), with a bucket bound at 200 ms.
    public static let requestDurationMetric = "cutover_api_request_duration_seconds"

    /// Readiness: the database answers, and every projection's pending changes are younger than
    /// `maxLagSeconds` (checked by the caller-supplied probe).
    public typealias ReadinessProbe = @Sendable () async -> (ready: Bool, detail: String)

    /// Adds the operational routes to `router`.
    public static func addRoutes<Context: RequestContext>(to router: Router<Context>, registry: PrometheusCollectorRegistry,
                                                          readiness: @escaping ReadinessProbe) {
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/health/live") { _, _ -> Response in
            textResponse(.ok, "live\n")
        }
        router.get("/health/ready") { _, _ -> Response in
            let (ready, detail) = await readiness()
            return textResponse(ready ? .ok : .serviceUnavailable, (ready ? "ready: " : "not ready: ") + detail + "\n")
        }
    }

    /// An application serving only the operational routes (used by `cutover project`).
    /// `onServerRunning` gets the port actually bound (the system's choice for port 0).
    public static func application(host: String, port: Int, registry: PrometheusCollectorRegistry,
                                   readiness: @escaping ReadinessProbe, logger: Logger,
                                   onServerRunning: (@Sendable (Int) async -> Void)? = nil) -> some ApplicationProtocol {
        let router = Router()
        addRoutes(to: router, registry: registry, readiness: readiness)
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "cutover"),
                           onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? port) }, logger: logger)
    }

    static func textResponse(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
