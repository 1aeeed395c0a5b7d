import CutoverCore
import CutoverPostgres
import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// `/console`: the ops console, one server-rendered HTML page usable without JavaScript. It
/// shows the reader switch per module and view with forms to change it (reason required,
/// audited), the kill switch, flag history and shadow mismatches, the projection lag of the last
/// hour as an inline SVG chart, dead letters, rebuild progress, the migration history and the
/// blackout calendar. Ops and admin tokens only; see ``ConsoleAuth`` for sessions and CSRF.
///
/// Routes: `GET /console`, `POST /console/login`, `POST /console/logout`, `POST /console/flags`,
/// `POST /console/login-links` (Bearer; a one-time link for browsers without a token field, such
/// as headless ones) and `GET /console/session/{code}`. Input is checked like the API's: an
/// unknown or repeated query parameter or form field is a 400 naming it, and nothing changes.
public struct ConsoleAPI: Sendable {
    let client: PostgresClient
    let monitor: LagMonitor
    let calendar: @Sendable () throws -> BlackoutCalendar
    let links = ConsoleLoginLinks()
    let logger: Logger

    /// - Parameters:
    ///   - client: a client of the primary (flag changes and the operational tables).
    ///   - monitor: the lag monitor of the same process (its numbers and its one-hour history).
    ///   - calendar: reads the blackout calendar (on every page view, so edits show at once).
    public init(client: PostgresClient, monitor: LagMonitor, calendar: @escaping @Sendable () throws -> BlackoutCalendar, logger: Logger) {
        self.client = client
        self.monitor = monitor
        self.calendar = calendar
        self.logger = logger
    }

    /// The console of `cutover serve`: the calendar from `blackoutsFile` (`migrations.blackouts`).
    public init(client: PostgresClient, monitor: LagMonitor, blackoutsFile: String, logger: Logger) {
        self.init(client: client, monitor: monitor, calendar: { try BlackoutCalendarLoader.load(path: blackoutsFile) }, logger: logger)
    }

    /// Adds the `/console` routes; tokens are checked by `authenticator` (its cache included).
    public func addRoutes(to router: Router<APIRequestContext>, authenticator: TokenAuthenticator) {
        router.get("console") { request, _ in await page(request, authenticator) }
        router.post("console/login") { request, _ in await login(request, authenticator) }
        router.post("console/logout") { request, _ in await logout(request) }
        router.post("console/flags") { request, _ in await changeFlag(request, authenticator) }
        router.post("console/login-links") { request, _ in try await createLink(request, authenticator) }
        router.get("console/session/{code}") { request, context in session(request, context) }
    }

    /// The answer of `POST /console/login-links`.
    struct LoginLink: Encodable {
        var path: String
        var expiresInSeconds: Int64
    }

    /// Who is calling.
    enum Auth {
        case ops(Caller, token: String)
        case none
        case invalid(String)
        case forbidden(Caller)
        case unavailable
    }

    func authenticate(_ token: String?, _ authenticator: TokenAuthenticator) async -> Auth {
        guard let token else { return .none }
        guard APIToken.isWellFormed(token) else { return .invalid("This is not a Cutover API token (they look like cutover_ followed by 40 hex digits).") }
        let caller: Caller?
        do { caller = try await authenticator.resolve(token) } catch { return .unavailable }
        guard let caller else { return .invalid("Unknown or revoked token.") }
        guard caller.role == .ops || caller.role == .admin else { return .forbidden(caller) }
        return .ops(caller, token: token)
    }

    /// The response for a caller that is not an ops caller; nil for an ops caller.
    func refusal(_ auth: Auth, _ request: Request) -> Response? {
        switch auth {
        case .ops: return nil
        case .none: return Self.html(.ok, ConsolePage.login(error: nil))
        case .invalid(let why):
            var response = Self.html(.unauthorized, ConsolePage.login(error: why))
            response.setCookie(ConsoleAuth.cookie(nil, request: request))
            return response
        case .forbidden(let caller):
            var response = Self.html(.forbidden, ConsolePage.message(
                title: "Ops or admin token needed",
                text: "The console changes reader flags, so it needs an ops or admin token. This token (id \(caller.tokenID), module \(caller.module)) has the role \(caller.role.rawValue).",
                action: ("/console", "Sign in with another token")))
            response.setCookie(ConsoleAuth.cookie(nil, request: request))
            return response
        case .unavailable:
            return Self.html(.serviceUnavailable, ConsolePage.message(title: "Service unavailable", text: "The token could not be checked right now; retry shortly.", action: nil))
        }
    }

    func page(_ request: Request, _ authenticator: TokenAuthenticator) async -> Response {
        let auth = await authenticate(ConsoleAuth.token(request)?.token, authenticator)
        if let refusal = refusal(auth, request) { return refusal }
        guard case .ops(let caller, let token) = auth else { return Self.html(.internalServerError, "") }
        let query: [String: String]
        switch Self.query(request, known: ["changed", "unchanged"]) {
        case .success(let parameters): query = parameters
        case .failure(let problem): return Self.badInput(problem.message)
        }
        if let text = query["changed"], RequestParameters.positiveID(text) == nil {
            return Self.badInput("changed must be the number of an audit entry, got \(text)")
        }
        let data = await ConsoleData.load(client: client, monitor: monitor, calendar: calendar, logger: logger)
        var flash: String?
        if let id = query["changed"].flatMap({ RequestParameters.positiveID($0) }) {
            flash = data.history?.first { $0.id == id }.map { e in
                "Saved change #\(e.id): \(e.flag) \(e.oldValue?.summary ?? "–") → \(e.newValue.summary) (reason: \(e.reason))"
            } ?? "Saved change #\(id)."
        } else if let name = query["unchanged"] {
            flash = "\(name) already had that value; nothing was written."
        }
        return Self.html(.ok, ConsolePage(data: data, caller: caller, csrf: ConsoleAuth.csrf(for: token), flash: flash, error: nil).render())
    }

    func login(_ request: Request, _ authenticator: TokenAuthenticator) async -> Response {
        guard ConsoleAuth.sameOrigin(request) else { return Self.forbiddenForm() }
        let fields = await Self.form(request)
        if let problem = Self.unexpected(request, fields, known: ["token"]) { return Self.html(.badRequest, ConsolePage.login(error: problem.message + ".")) }
        let token = (fields["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { return Self.html(.badRequest, ConsolePage.login(error: "Enter an API token.")) }
        let auth = await authenticate(token, authenticator)
        if let refusal = refusal(auth, request) { return refusal }
        return Self.redirect("/console", cookie: ConsoleAuth.cookie(token, request: request))
    }

    func logout(_ request: Request) async -> Response {
        let fields = await Self.form(request)
        if let session = ConsoleAuth.token(request) {
            guard ConsoleAuth.sameOrigin(request), ConsoleAuth.csrfMatches(fields["csrf"], token: session.token) else { return Self.forbiddenForm() }
        }
        if let problem = Self.unexpected(request, fields, known: ["csrf"]) { return Self.badInput(problem.message) }
        return Self.redirect("/console", cookie: ConsoleAuth.cookie(nil, request: request))
    }

    func createLink(_ request: Request, _ authenticator: TokenAuthenticator) async throws -> Response {
        guard let header = request.headers[.authorization], let token = APIToken.bearer(header) else {
            throw APIError(.authMissing, "send an ops or admin token: Authorization: Bearer cutover_…")
        }
        switch await authenticate(token, authenticator) {
        case .ops:
            // No parameters: no query, and a body (if any) must be an empty JSON object.
            try ReadAPI.rejectQuery(request)
            let body = try await request.body.collect(upTo: 64 * 1024)
            if body.readableBytes > 0 {
                let json = try FlagAdminAPI.json(body, example: "{}")
                _ = try ReadAPI.validated { () throws(CoreError) in try JSONObjectFields(json, known: []) }
            }
            let code = links.create(for: token)
            return try Response.json(LoginLink(path: "/console/session/\(code)", expiresInSeconds: links.lifetime.components.seconds))
        case .forbidden(let caller): throw APIError(.forbidden, "the console needs an ops or admin token; this one is \(caller.role.rawValue)")
        case .unavailable: throw APIError(.unavailable, "the token could not be checked right now; retry shortly")
        case .none, .invalid: throw APIError(.authInvalid, "unknown or revoked token")
        }
    }

    func session(_ request: Request, _ context: APIRequestContext) -> Response {
        if case .failure(let problem) = Self.query(request, known: []) { return Self.badInput(problem.message) }
        guard let code = context.parameters.get("code"), let token = links.redeem(code) else {
            return Self.html(.forbidden, ConsolePage.message(title: "Login link not valid",
                                                            text: "This login link is unknown, was used already or has expired (links work once, within 60 seconds).",
                                                            action: ("/console", "Sign in with a token")))
        }
        return Self.redirect("/console", cookie: ConsoleAuth.cookie(token, request: request))
    }
}
