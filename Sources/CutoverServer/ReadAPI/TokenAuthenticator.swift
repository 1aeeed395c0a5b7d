import CutoverCore
import CutoverPostgres
import Hummingbird
import Logging
import PostgresNIO
import Synchronization

/// Authenticates `/v1` requests: `Authorization: Bearer cutover_…`, looked up by its SHA-256 and
/// cached for `cacheSeconds` (unknown tokens too, so a flood of bad tokens does not reach the
/// database). A revoked token stops working within that time.
public struct TokenAuthenticator: RouterMiddleware {
    public typealias Context = APIRequestContext

    final class Cache: Sendable {
        struct Entry {
            var caller: Caller?
            var expires: ContinuousClock.Instant
        }
        let entries = Mutex([String: Entry]())
        static let maxEntries = 10_000

        func get(_ hash: String) -> Entry? {
            entries.withLock { e in
                guard let hit = e[hash], hit.expires > .now else { return nil }
                return hit
            }
        }

        func put(_ hash: String, _ caller: Caller?, ttl: Duration) {
            entries.withLock { e in
                if e.count >= Self.maxEntries { e.removeAll(keepingCapacity: true) }
                e[hash] = Entry(caller: caller, expires: .now + ttl)
            }
        }
    }

    let client: PostgresClient
    let repository: TokenRepository
    let ttl: Duration
    let cache = Cache()
    let logger: Logger

    /// A token check that cannot finish in this time (the database is down) answers 503.
    let connectionWait: Duration

    public init(client: PostgresClient, cacheSeconds: Double, connectionWait: Duration = PostgresClient.defaultConnectionWait, logger: Logger) {
        self.connectionWait = connectionWait
        self.client = client
        self.repository = TokenRepository(logger: logger)
        self.ttl = .milliseconds(Int64(cacheSeconds * 1000))
        self.logger = logger
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError(.authMissing, "send an API token: Authorization: Bearer cutover_… (create one with `cutover tokens create`)")
        }
        guard let token = APIToken.bearer(header) else {
            throw APIError(.authInvalid, "the Authorization header must be \"Bearer <token>\"")
        }
        guard APIToken.isWellFormed(token) else {
            throw APIError(.authInvalid, "this is not a Cutover API token (they look like cutover_ followed by 40 hex digits)")
        }
        let caller = try await resolve(token)
        guard let caller else { throw APIError(.authInvalid, "unknown or revoked token") }
        var context = context
        context.caller = caller
        context.logger[metadataKey: "token"] = "\(caller.tokenID)"
        context.logger[metadataKey: "module"] = "\(caller.module)"
        return try await next(request, context)
    }

    func resolve(_ token: String) async throws -> Caller? {
        let hash = APIToken.hash(token)
        if ttl > .zero, let hit = cache.get(hash) { return hit.caller }
        do {
            let (client, repository) = (self.client, self.repository)
            let caller = try await Deadline.run(within: connectionWait) { try await repository.resolve(on: client, hash: hash) }
            if ttl > .zero { cache.put(hash, caller, ttl: ttl) }
            return caller
        } catch {
            logger.error("token check failed", metadata: ["error": "\(error)"])
            throw APIError(.unavailable, "the token could not be checked right now; retry shortly")
        }
    }
}
