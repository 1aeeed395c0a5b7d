import CutoverCore
import Hummingbird

/// Per-request context of the read API: Hummingbird's core context plus the authenticated caller.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``TokenAuthenticator`` for `/v1` routes.
    public var caller: Caller?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.caller = nil
    }

    /// The authenticated caller; routes behind the authenticator always have one.
    public func requireCaller() throws -> Caller {
        guard let caller else { throw APIError(.authMissing, "send an API token: Authorization: Bearer cutover_…") }
        return caller
    }
}
