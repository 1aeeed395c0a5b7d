import CutoverCore
import Logging
import PostgresNIO

/// SQL readers of business modules: login roles that may read the views in schema `read`, with
/// their access recorded in `cutover.sql_readers`. `cutover.reader_context()` derives what such a
/// session sees from its login role (`session_user`), so settings can only narrow it. Every
/// change is written to `cutover.sql_reader_audit` in the same transaction.
public struct SQLReaderRepository: Sendable {
    /// A reader as listings show it (never its password).
    public struct Info: Sendable, Equatable, Codable {
        public var role: String
        public var module: String
        public var territories: [String]
        public var userId: Int64?
        public var label: String?
        public var createdAt: String
        public var createdBy: String
        public var rotatedAt: String?
        public var revokedAt: String?
    }

    /// A login's secret, shown once.
    public struct Credentials: Sendable, Equatable {
        public var role: String
        public var password: String
    }

    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Creates a login role named `role` (default `cutover_m<module>_<8 hex digits>`) that is a
    /// member of `cutover_reader` only, records its grant and returns its password (only now).
    /// `territories` may be `["*"]`; `user` is the id or e-mail address of a user of the directory (`readers.users`).
    public func create(on connection: PostgresConnection, role: String?, module: String, territories: [String], user: String?,
                       label: String?) async throws -> Credentials {
        try TokenRepository.checkModule(module)
        let territories = try await TokenRepository(logger: logger).checkTerritories(territories, on: connection)
        let userID = try await TokenRepository(logger: logger).resolveUser(user, on: connection)
        let name = role ?? "cutover_m\(module)_\(Self.randomHex(bytes: 4))"
        guard Self.isRoleName(name) else {
            throw CoreError(.invalidArgument, "--name must be a lower-case role name (letters, digits, _; at most 63 characters; not starting with a digit or pg_), not \(name)")
        }
        let password = Self.randomHex(bytes: 24)
        try await transaction(on: connection) { connection in
            let exists = try await connection.checkedQuery("SELECT 1 FROM pg_roles WHERE rolname = \(name)", logger: logger, doing: "creating the reader").collect()
            guard exists.isEmpty else {
                throw CoreError(.invalidArgument, "a role named \(name) exists already; choose another --name (roles are shared by every database of the server)")
            }
            try await Self.execute(on: connection, logger: logger, "CREATE ROLE %I LOGIN PASSWORD %L IN ROLE cutover_reader", name, password)
            try await connection.checkedQuery("""
                INSERT INTO cutover.sql_readers (role_name, module, territories, user_id, label) VALUES (\(name), \(module), \(territories), \(userID), \(label))
                """, logger: logger, doing: "changing SQL readers")
            try await audit(on: connection, role: name, action: "create",
                            detail: "module \(module), territories \(territories.joined(separator: ","))" + (userID.map { ", user \($0)" } ?? ""))
        }
        return Credentials(role: name, password: password)
    }

    public func list(on connection: PostgresConnection, includeRevoked: Bool) async throws -> [Info] {
        let rows = try await connection.checkedQuery("""
            SELECT role_name, module, territories, user_id, label, \(unescaped: Self.utc("created_at")), created_by,
                   \(unescaped: Self.utc("rotated_at")), \(unescaped: Self.utc("revoked_at"))
            FROM cutover.sql_readers WHERE \(includeRevoked) OR revoked_at IS NULL ORDER BY created_at, role_name
            """, logger: logger, doing: "changing SQL readers")
        var readers: [Info] = []
        for try await r in rows.decode((String, String, [String], Int64?, String?, String, String, String?, String?).self) {
            readers.append(Info(role: r.0, module: r.1, territories: r.2, userId: r.3, label: r.4, createdAt: r.5, createdBy: r.6,
                                rotatedAt: r.7, revokedAt: r.8))
        }
        return readers
    }

    /// Revokes `role`: it can no longer log in, leaves `cutover_reader`, its grant reads nothing,
    /// and its open sessions are ended. Throws when there is no such reader or it was revoked.
    public func revoke(on connection: PostgresConnection, role: String, reason: String?) async throws {
        try await transaction(on: connection) { connection in
            try await requireActive(role, on: connection)
            try await connection.checkedQuery("UPDATE cutover.sql_readers SET revoked_at = now() WHERE role_name = \(role)", logger: logger, doing: "changing SQL readers")
            try await Self.execute(on: connection, logger: logger, "ALTER ROLE %I NOLOGIN PASSWORD NULL", role)
            try await Self.execute(on: connection, logger: logger, "REVOKE cutover_reader FROM %I", role)
            try await audit(on: connection, role: role, action: "revoke", detail: reason)
        }
        try await connection.checkedQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role)", logger: logger, doing: "changing SQL readers")
    }

    /// Gives `role` a new password (the old one stops working at once) and returns it.
    public func rotate(on connection: PostgresConnection, role: String) async throws -> Credentials {
        let password = Self.randomHex(bytes: 24)
        try await transaction(on: connection) { connection in
            try await requireActive(role, on: connection)
            try await connection.checkedQuery("UPDATE cutover.sql_readers SET rotated_at = now() WHERE role_name = \(role)", logger: logger, doing: "changing SQL readers")
            try await Self.execute(on: connection, logger: logger, "ALTER ROLE %I PASSWORD %L", role, password)
            try await audit(on: connection, role: role, action: "rotate", detail: nil)
        }
        return Credentials(role: role, password: password)
    }

    /// One transaction; a refusal inside it (``CoreError``) is rethrown as it is, anything else as
    /// a ``DatabaseError``.
    func transaction(on connection: PostgresConnection, _ body: @Sendable (PostgresConnection) async throws -> Void) async throws {
        do {
            try await connection.withTransaction(logger: logger) { try await body($0) }
        } catch let error as PostgresTransactionError {
            if let refusal = error.closureError as? CoreError { throw refusal }
            throw Database.translate(error, doing: "changing SQL readers")
        }
    }

    func requireActive(_ role: String, on connection: PostgresConnection) async throws {
        let rows = try await connection.checkedQuery("""
            SELECT \(unescaped: Self.utc("revoked_at")) FROM cutover.sql_readers WHERE role_name = \(role) FOR UPDATE
            """, logger: logger, doing: "changing SQL readers")
        var found = false
        for try await revokedAt in rows.decode(String?.self) {
            found = true
            if let revokedAt { throw CoreError(.invalidArgument, "reader \(role) was revoked already (at \(revokedAt)); nothing changed") }
        }
        guard found else { throw CoreError(.invalidArgument, "no SQL reader \(role); see `cutover readers list`") }
    }

    func audit(on connection: PostgresConnection, role: String, action: String, detail: String?) async throws {
        try await connection.checkedQuery("INSERT INTO cutover.sql_reader_audit (role_name, action, detail) VALUES (\(role), \(action), \(detail))",
                                   logger: logger, doing: "changing SQL readers")
    }

    /// Runs a utility statement built by the server's `format` (`%I` identifiers, `%L` literals),
    /// since DDL takes no bind parameters.
    static func execute(on connection: PostgresConnection, logger: Logger, _ template: String, _ arguments: String...) async throws {
        var binds = PostgresBindings()
        binds.append(template)
        for argument in arguments { binds.append(argument) }
        let placeholders = (0..<arguments.count).map { ", $\($0 + 2)::text" }.joined()
        let rows = try await connection.checkedQuery(PostgresQuery(unsafeSQL: "SELECT format($1\(placeholders))", binds: binds), logger: logger, doing: "changing SQL readers")
        var statement = ""
        for try await text in rows.decode(String.self) { statement = text }
        try await connection.checkedQuery(PostgresQuery(unsafeSQL: statement), logger: logger, doing: "changing SQL readers")
    }

    static func utc(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }

    /// A role name this command creates or accepts: lower case, no quoting needed, not reserved.
    static func isRoleName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (1...63).contains(name.utf8.count), !name.hasPrefix("pg_"),
              first == 95 || (first >= 97 && first <= 122) else { return false }
        return name.utf8.allSatisfy { $0 == 95 || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).leftPadded(2)
        }.joined()
    }
}
