import CutoverCore
import Logging
import PostgresNIO

/// Database-level administration: create and drop databases (tests make one per suite).
public enum DatabaseAdmin {
    /// Creates `name` unless it exists.
    public static func createDatabaseIfMissing(_ name: String, template: String? = nil, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: logger)
        for try await _ in rows { return }
        var sql = "CREATE DATABASE \(quoteIdentifier(name))"
        if let template { sql += " TEMPLATE \(quoteIdentifier(template))" }
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            let translated = Database.translate(error, doing: "creating database \(name)")
            if translated.sqlState == "42P04" { return }  // created concurrently
            throw translated
        }
    }

    /// Drops `name` if it exists, disconnecting its sessions.
    public static func dropDatabase(_ name: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(quoteIdentifier(name)) WITH (FORCE)"), logger: logger)
    }

    /// Quotes an SQL identifier.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
