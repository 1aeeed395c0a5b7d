/// A parsed `postgres://` connection URL.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// `disable`, `prefer` or `require`.
    public var tls: String

    public init(host: String, port: Int, user: String, password: String?, database: String, tls: String = "disable") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=…` (also `postgresql://`).
    public init(parsing text: String) throws(CoreError) {
        func fail(_ why: String) -> CoreError {
            CoreError(.invalidDatabaseURL, "invalid database URL \(Self.redact(text)): \(why); expected postgres://user:password@host:port/database",
                      context: ["url": Self.redact(text)])
        }
        var rest: Substring
        if text.hasPrefix("postgres://") { rest = text.dropFirst("postgres://".count) }
        else if text.hasPrefix("postgresql://") { rest = text.dropFirst("postgresql://".count) }
        else { throw fail("the scheme must be postgres://") }
        var query: Substring = ""
        if let q = rest.firstIndex(of: "?") { query = rest[rest.index(after: q)...]; rest = rest[..<q] }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") { path = rest[rest.index(after: slash)...]; rest = rest[..<slash] }
        var userInfo: Substring = ""
        if let at = rest.lastIndex(of: "@") { userInfo = rest[..<at]; rest = rest[rest.index(after: at)...] }
        var user = "postgres"
        var password: String?
        if !userInfo.isEmpty {
            if let colon = userInfo.firstIndex(of: ":") {
                user = Self.percentDecode(userInfo[..<colon])
                password = Self.percentDecode(userInfo[userInfo.index(after: colon)...])
            } else {
                user = Self.percentDecode(userInfo)
            }
        }
        var host = String(rest)
        var port = 5432
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw fail("unclosed IPv6 bracket") }
            let after = host[host.index(after: close)...]
            let inner = String(host[host.index(after: host.startIndex)..<close])
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw fail("port must be 1–65535") }
                port = p
            }
            host = inner
        } else if let colon = host.lastIndex(of: ":") {
            let portText = host[host.index(after: colon)...]
            guard let p = Int(portText), (1...65535).contains(p) else { throw fail("port must be 1–65535") }
            port = p
            host = String(host[..<colon])
        }
        if host.isEmpty { throw fail("the host is missing") }
        let database = path.isEmpty ? user : Self.percentDecode(path)
        var tls = "disable"
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            if kv[0] == "sslmode" || kv[0] == "tls" {
                switch kv[1] {
                case "disable", "allow": tls = "disable"
                case "prefer": tls = "prefer"
                case "require", "verify-ca", "verify-full": tls = "require"
                default: throw fail("unknown sslmode \(kv[1])")
                }
            }
        }
        self.init(host: host, port: port, user: user, password: password, database: database, tls: tls)
    }

    /// The URL with the password in it: only for `cutover dev url` and child processes.
    public var urlWithPassword: String {
        let userPart = Self.percentEncode(user) + (password.map { ":" + Self.percentEncode($0) } ?? "")
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(userPart)@\(hostPart):\(port)/\(Self.percentEncode(database))" + (tls == "disable" ? "" : "?sslmode=\(tls)")
    }

    /// The URL with the password replaced by `***`: safe for logs and error messages.
    public var description: String {
        let userPart = Self.percentEncode(user) + (password == nil ? "" : ":***")
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(userPart)@\(hostPart):\(port)/\(Self.percentEncode(database))"
    }

    /// Hides the password of a URL-ish string that may not even parse.
    public static func redact(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://"), let at = text.lastIndex(of: "@"), at > schemeEnd.upperBound else { return text }
        let userInfo = text[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    static func percentDecode<S: StringProtocol>(_ s: S) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v); it = it.dropFirst(2)
            } else { bytes.append(b) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if b < 128, c.isLetter || c.isNumber || "-._~".contains(c) { out.append(c) }
            else { out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2) }
        }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
