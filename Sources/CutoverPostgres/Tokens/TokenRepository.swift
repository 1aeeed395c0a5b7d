import CutoverCore
import Logging
import PostgresNIO

/// API tokens in `cutover.api_tokens`: created (shown once, stored as SHA-256), listed, revoked,
/// and resolved to a ``Caller`` per request.
public struct TokenRepository: Sendable {
    /// A token as listings show it (never the token itself).
    public struct Info: Sendable, Equatable, Codable {
        public var id: Int64
        public var prefix: String
        public var module: String
        public var role: String
        public var territories: [String]
        public var userId: Int64?
        public var label: String?
        public var createdAt: String
        public var revokedAt: String?
    }

    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Creates a token. `territories` may be `["*"]` (every territory). `user` is the id or
    /// e-mail address of a user of the directory (`readers.users`). Returns the token text (only now) and its id.
    public func create(on c: PostgresConnection, module: String, role: Caller.Role, territories: [String], user: String?,
                       label: String?) async throws -> (token: String, id: Int64) {
        try Self.checkModule(module)
        let territories = try await checkTerritories(territories, on: c)
        let userID = try await resolveUser(user, on: c)
        let token = APIToken.generate()
        let rows = try await c.query("""
            INSERT INTO cutover.api_tokens (token_hash, prefix, module, role, territories, user_id, label)
            VALUES (\(APIToken.hash(token)), \(APIToken.prefix(token)), \(module), \(role.rawValue), \(territories), \(userID), \(label))
            RETURNING id
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return (token, id) }
        throw DatabaseError(.serverError, "creating the token returned no id")
    }

    /// Throws unless `module` is a business module `01` … `08`.
    static func checkModule(_ module: String) throws(CoreError) {
        guard module.count == 2, module.hasPrefix("0"), let n = Int(module), (1...8).contains(n) else {
            throw CoreError(.invalidArgument, "--module must be a business module 01 … 08, not \(module)")
        }
    }

    /// `territories` when every one is a known territory code, or `["*"]` alone; throws naming
    /// the first unknown one and the known ones.
    func checkTerritories(_ territories: [String], on c: PostgresConnection) async throws -> [String] {
        guard !territories.isEmpty else { throw CoreError(.invalidArgument, "--territories needs at least one territory code (or *)") }
        guard territories != ["*"] else { return territories }
        let known = try await c.checkedQuery("SELECT unnest(cutover.directory_territories())", logger: logger, doing: "reading the directory's territories")
        var codes = Set<String>()
        for try await code in known.decode(String.self) { codes.insert(code) }
        guard !codes.isEmpty else {
            throw CoreError(.invalidArgument, "the directory knows no territory: set readers.territories in cutover.yaml and run `cutover upgrade`")
        }
        for t in territories where !codes.contains(t) {
            throw CoreError(.invalidArgument, "unknown territory \(t); known: \(codes.sorted().joined(separator: ", ")) (or * alone for all)")
        }
        return territories
    }

    /// The directory's id of `user` (an id or e-mail address), `nil` for none; throws when there is no such user.
    func resolveUser(_ user: String?, on c: PostgresConnection) async throws -> Int64? {
        guard let user else { return nil }
        var userID: Int64?
        let rows = try await c.checkedQuery("SELECT id FROM cutover.directory_find_user(\(user))", logger: logger, doing: "looking up the user")
        for try await id in rows.decode(Int64.self) { userID = id }
        guard let userID else { throw CoreError(.invalidArgument, "no user with id or e-mail \(user) in the directory (readers.users)") }
        return userID
    }

    public func list(on c: PostgresConnection, includeRevoked: Bool) async throws -> [Info] {
        let rows = try await c.query("""
            SELECT id, prefix, module, role, territories, user_id, label,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM cutover.api_tokens WHERE \(includeRevoked) OR revoked_at IS NULL ORDER BY id
            """, logger: logger)
        var out: [Info] = []
        for try await r in rows.decode((Int64, String, String, String, [String], Int64?, String?, String, String?).self) {
            out.append(Info(id: r.0, prefix: r.1, module: r.2, role: r.3, territories: r.4, userId: r.5, label: r.6, createdAt: r.7, revokedAt: r.8))
        }
        return out
    }

    /// Revokes by id or by prefix; returns how many tokens it revoked (0: none matched or already revoked).
    public func revoke(on c: PostgresConnection, idOrPrefix: String) async throws -> Int {
        let result = try await c.query("""
            UPDATE cutover.api_tokens SET revoked_at = now()
            WHERE revoked_at IS NULL AND (id::text = \(idOrPrefix) OR prefix = \(idOrPrefix))
            """, logger: logger).get()
        return result.metadata.rows ?? 0
    }

    /// The outcome of ``revoke(on:_:)``.
    public enum Revocation: Sendable, Equatable {
        /// This token was active and is revoked now.
        case revoked(Info)
        /// No active token matches.
        case notFound
        /// More than one active token matches the prefix: nothing was revoked.
        case ambiguous([Info])
    }

    /// Revokes the one active token `reference` names (an id, a whole token, or a prefix of one);
    /// revokes nothing when no active token or several match.
    public func revoke(on c: PostgresConnection, _ reference: APIToken.Reference) async throws -> Revocation {
        var id: Int64?, hash: String?, prefix: String?
        switch reference {
        case .id(let value): id = value
        case .token(let value, _): hash = value
        case .prefix(let value): prefix = value
        }
        let rows = try await c.query("""
            SELECT id, prefix, module, role, territories, user_id, label,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), NULL::text
            FROM cutover.api_tokens
            WHERE revoked_at IS NULL AND (id = \(id) OR token_hash = \(hash) OR starts_with(prefix, \(prefix)))
            ORDER BY id
            """, logger: logger)
        var candidates: [Info] = []
        for try await r in rows.decode((Int64, String, String, String, [String], Int64?, String?, String, String?).self) {
            candidates.append(Info(id: r.0, prefix: r.1, module: r.2, role: r.3, territories: r.4, userId: r.5, label: r.6, createdAt: r.7, revokedAt: r.8))
        }
        guard candidates.count == 1, var token = candidates.first else { return candidates.isEmpty ? .notFound : .ambiguous(candidates) }
        let revoked = try await c.query("""
            UPDATE cutover.api_tokens SET revoked_at = now() WHERE id = \(token.id) AND revoked_at IS NULL
            RETURNING to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            """, logger: logger)
        for try await at in revoked.decode(String.self) { token.revokedAt = at }
        return token.revokedAt == nil ? .notFound : .revoked(token)
    }

    /// The caller a token stands for, or `nil` when it is unknown or revoked.
    public func resolve(on client: PostgresClient, token: String) async throws -> Caller? {
        guard APIToken.isWellFormed(token) else { return nil }
        return try await resolve(on: client, hash: APIToken.hash(token))
    }

    /// The caller for a token's stored hash (``APIToken/hash(_:)``), or `nil`.
    public func resolve(on client: PostgresClient, hash: String) async throws -> Caller? {
        do {
            let rows = try await client.query("""
                SELECT t.id, t.module, t.role,
                       CASE WHEN t.territories = '{*}' THEN cutover.directory_territories() ELSE t.territories END,
                       u.id, CASE WHEN u.is_manager THEN 'MANAGER' END, t.territories = '{*}'
                FROM cutover.api_tokens t LEFT JOIN LATERAL cutover.directory_user(t.user_id) u ON true
                WHERE t.token_hash = \(hash) AND t.revoked_at IS NULL
                """, logger: logger)
            for try await r in rows.decode((Int64, String, String, [String]?, Int64?, String?, Bool).self) {
                guard let role = Caller.Role(rawValue: r.2) else { return nil }
                var caller = Caller(tokenID: r.0, module: r.1, role: role, territories: r.3 ?? [], userID: r.4, userRole: r.5)
                caller.everyTerritory = r.6
                return caller
            }
            return nil
        } catch {
            throw Database.translate(error, doing: "token check")
        }
    }
}
