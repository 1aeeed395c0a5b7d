import Foundation
import Synchronization

/// One-time login links: `POST /console/login-links` (Bearer, ops or admin) makes one,
/// `GET /console/session/{code}` uses it within 60 s, once, and starts a session.
final class ConsoleLoginLinks: Sendable {
    struct Entry {
        var token: String
        var expires: ContinuousClock.Instant
    }

    let lifetime: Duration
    let entries = Mutex([String: Entry]())
    static let maxEntries = 1000

    init(lifetime: Duration = .seconds(60)) {
        self.lifetime = lifetime
    }

    /// A new code for `token`.
    func create(for token: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let code = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        entries.withLock { e in
            let now = ContinuousClock.now
            e = e.filter { $0.value.expires > now }
            if e.count >= Self.maxEntries { e.removeAll() }
            e[code] = Entry(token: token, expires: now + lifetime)
        }
        return code
    }

    /// The token of `code` if it exists and has not expired; the code is gone afterwards.
    func redeem(_ code: String) -> String? {
        entries.withLock { e in
            guard let entry = e.removeValue(forKey: code), entry.expires > .now else { return nil }
            return entry.token
        }
    }
}
