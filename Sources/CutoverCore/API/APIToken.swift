/// API tokens: `cutover_` + 40 lowercase hex characters (160 random bits). Only the SHA-256 of a
/// token is stored; the first 16 characters (`prefix`) are kept to recognise it in listings.
public enum APIToken {
    public static let scheme = "cutover_"
    public static let randomHexLength = 40

    /// A new random token.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = Array(scheme.utf8)
        for _ in 0..<randomHexLength { out.append(hex[Int(generator.next(upperBound: UInt8(16)))]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// A new token from the system's secure generator.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// Whether `token` has the shape of a token (checked before any database lookup).
    public static func isWellFormed(_ token: some StringProtocol) -> Bool {
        guard token.hasPrefix(scheme), token.utf8.count == scheme.utf8.count + randomHexLength else { return false }
        return token.utf8.dropFirst(scheme.utf8.count).allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// What is stored: the SHA-256 of the token, hex.
    public static func hash(_ token: String) -> String { SHA256.hex(token) }

    /// What listings show.
    public static func prefix(_ token: String) -> String { String(token.prefix(prefixLength)) }

    /// How many characters of a token listings keep (`cutover_` and 8 hex digits).
    public static let prefixLength = 16

    /// The token from an `Authorization: Bearer …` header value, if it is one.
    public static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingWhitespace()
    }

    /// How `cutover tokens revoke` names a token.
    public enum Reference: Sendable, Equatable {
        /// The token's id (`tokens list`).
        case id(Int64)
        /// The whole token: matched by its hash; only its ``APIToken/prefix(_:)`` is ever shown.
        case token(hash: String, prefix: String)
        /// The start of a token, at most as long as the stored prefix (`cutover_` + 8 hex digits).
        case prefix(String)

        /// Reads an id, a whole token or a token's start; nil for anything else. A start longer
        /// than the stored prefix but shorter than a token cannot be checked and is refused too.
        public init?(_ text: String) {
            if let id = RequestParameters.positiveID(text) {
                self = .id(id)
            } else if APIToken.isWellFormed(text) {
                self = .token(hash: APIToken.hash(text), prefix: APIToken.prefix(text))
            } else if text.hasPrefix(APIToken.scheme), text.utf8.count <= APIToken.prefixLength,
                      text.utf8.dropFirst(APIToken.scheme.utf8.count).allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
                self = .prefix(text)
            } else {
                return nil
            }
        }

        /// How messages name the token: never the whole token.
        public var description: String {
            switch self {
            case .id(let id): "id \(id)"
            case .token(_, let prefix): "the token \(prefix)…"
            case .prefix(let prefix): "prefix \(prefix)"
            }
        }
    }
}
