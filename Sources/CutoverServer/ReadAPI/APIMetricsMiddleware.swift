import Hummingbird
import Metrics

/// Records `cutover_api_request_duration_seconds` (a Prometheus histogram) per route, source and
/// status, and `cutover_api_requests_total`.
public struct APIMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(context, source: response.headers[APIHeaders.source] ?? "none", status: response.status.code, since: start)
            return response
        } catch let error as any HTTPResponseError {
            record(context, source: "none", status: error.status.code, since: start)
            throw error
        } catch {
            record(context, source: "none", status: 500, since: start)
            throw error
        }
    }

    func record(_ context: Context, source: String, status: Int, since start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        let elapsed = ContinuousClock.now - start
        let nanos = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        let dimensions = [("route", route), ("source", source), ("status", String(status))]
        Timer(label: OperationsServer.requestDurationMetric, dimensions: [("route", route), ("source", source)]).recordNanoseconds(nanos)
        Counter(label: "cutover_api_requests_total", dimensions: dimensions).increment()
    }
}
