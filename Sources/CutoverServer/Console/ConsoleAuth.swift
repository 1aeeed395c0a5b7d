import CutoverCore
import Foundation
import HTTPTypes
import Hummingbird

/// How the ops console knows who is calling, and that a form was sent by the console itself.
///
/// - A session is the API token in the `cutover_console` cookie: `HttpOnly` (page scripts cannot
///   read it), `SameSite=Strict` (other sites' pages cannot send it), `Path=/console`, 12 hours.
///   Scripts may send `Authorization: Bearer …` instead. The token is checked like every API
///   token (``TokenAuthenticator``), so a revoked token ends its sessions.
/// - Every state-changing form carries a CSRF token, SHA-256 of `"csrf:" + token`: only a page
///   rendered for this session knows it (the cookie itself is unreadable to scripts).
/// - POSTs whose `Origin` names another host are refused as well.
/// - One-time login links (``ConsoleLoginLinks``) let a browser without JavaScript (a headless
///   one in tests) start a session without putting the token into a URL.
enum ConsoleAuth {
    static let cookieName = "cutover_console"
    static let sessionSeconds = 12 * 3600

    /// The CSRF token of a session.
    static func csrf(for token: String) -> String { SHA256.hex("csrf:" + token) }

    /// Whether `candidate` is the CSRF token of `token` (compared in constant time).
    static func csrfMatches(_ candidate: String?, token: String) -> Bool {
        guard let candidate else { return false }
        let expected = Array(csrf(for: token).utf8), given = Array(candidate.utf8)
        guard expected.count == given.count else { return false }
        var diff: UInt8 = 0
        for i in expected.indices { diff |= expected[i] ^ given[i] }
        return diff == 0
    }

    /// Where the token comes from: the Authorization header first, else the session cookie.
    static func token(_ request: Request) -> (token: String, viaCookie: Bool)? {
        if let header = request.headers[.authorization], let token = APIToken.bearer(header) { return (token, false) }
        if let cookie = request.cookies[cookieName]?.value, !cookie.isEmpty { return (cookie, true) }
        return nil
    }

    /// False when the request names an `Origin` other than the host it was sent to.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        guard let range = origin.range(of: "://") else { return false }
        return origin[range.upperBound...].lowercased() == host.lowercased()
    }

    /// The session cookie for `token` (or, with nil, the cookie that deletes it).
    static func cookie(_ token: String?, request: Request) -> Cookie {
        let secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        return Cookie(name: cookieName, value: token ?? "", maxAge: token == nil ? 0 : sessionSeconds, path: "/console",
                      secure: secure, httpOnly: true, sameSite: .strict)
    }
}
