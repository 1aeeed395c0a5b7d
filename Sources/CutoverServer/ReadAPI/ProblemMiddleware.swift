import Hummingbird
import Logging

/// Outermost middleware: every error leaves as `application/problem+json`. Hummingbird's own
/// errors (unknown route, bad method) keep their status; anything unexpected becomes a 500 whose
/// detail names only the request id (the error itself is logged).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: throw APIError(.notFound, "no such endpoint: \(request.method) \(request.uri.path) (see docs/openapi.yaml)")
            case .methodNotAllowed: throw APIError(.invalidRequest, "\(request.method) is not allowed on \(request.uri.path); the read API only answers GET")
            case .badRequest: throw APIError(.invalidRequest, error.body ?? "bad request")
            default:
                context.logger.error("request failed", metadata: ["error": "\(error)"])
                throw APIError(.internalError, "the request failed; the error is logged under request \(context.id)")
            }
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            throw APIError(.internalError, "the request failed; the error is logged under request \(context.id)")
        }
    }
}
