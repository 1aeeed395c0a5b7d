import CutoverPostgres
import Logging
import PostgresNIO

/// Small helpers for tests that read and write with plain SQL.
enum SQL {
    /// Runs `sql` (one statement) and returns the first column of every row as text.
    static func column(_ target: DatabaseTarget, _ sql: String) async throws -> [String?] {
        try await Database.withConnection(target, logger: TestCluster.logger) { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestCluster.logger)
            var out: [String?] = []
            for try await row in rows {
                out.append(try row.makeRandomAccess()[0].decode(String?.self))
            }
            return out
        }
    }

    /// The first column of the first row as text.
    static func scalar(_ target: DatabaseTarget, _ sql: String) async throws -> String? {
        try await column(target, sql).first ?? nil
    }

    /// Runs statements one after another on one connection.
    static func exec(_ target: DatabaseTarget, _ statements: String...) async throws {
        try await Database.withConnection(target, logger: TestCluster.logger) { connection in
            for sql in statements {
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestCluster.logger)
            }
        }
    }

    /// md5 of every row of a table in primary-key order, for determinism checks.
    static func tableChecksum(_ target: DatabaseTarget, _ table: String) async throws -> String {
        try await scalar(target, "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \(table) t") ?? ""
    }
}

extension SQL {
    /// Gives every new session on `target`'s database all territories as its reader context, so
    /// tests that are not about row-level security can read the views in schema `read`.
    static func readAllTerritories(_ target: DatabaseTarget) async throws {
        let codes = try await column(target, "SELECT code FROM crm.territories ORDER BY code").compactMap { $0 }.joined(separator: ",")
        try await exec(target, "ALTER DATABASE \"\(target.url.database)\" SET cutover.territories = '\(codes)'")
    }
}
