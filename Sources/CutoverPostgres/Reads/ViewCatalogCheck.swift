import CutoverCore
import Logging
import PostgresNIO

/// Checks declared views against a database (`cutover projections validate`): both SQLs compile
/// and return every column the fields, orders and filters use, with types that fit the fields
/// and agree between legacy and read model; every statement the view can run (each order, with
/// and without a cursor, with every parameter and with none of the optional ones) plans, the
/// read model's as `cutover_reader`; the view's flag exists and switches it. Nothing is changed:
/// all of it runs in a transaction that is rolled back. Every problem names file and line.
public struct ViewCatalogCheck: Sendable {
    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// The problems of `views`, each a sentence starting with `file:line`; empty when all is well.
    public func problems(_ views: [ViewDeclaration], on connection: PostgresConnection) async throws -> [String] {
        var problems: [String] = []
        for view in views {
            problems += try await check(view, on: connection)
        }
        do {
            try await ViewFlagCheck.require(views, on: connection, logger: logger)
        } catch let error as CoreError {
            problems.append(error.message)
        }
        return problems
    }

    func check(_ view: ViewDeclaration, on connection: PostgresConnection) async throws -> [String] {
        var problems: [String] = []
        var described: [Bool: [String: String]] = [:]
        for legacy in [false, true] {
            let key = legacy ? "legacy" : "sql"
            do {
                described[legacy] = try await columns(of: view, legacy: legacy, on: connection)
            } catch {
                problems.append("\(view.location(key)): \(key) does not compile: \(Self.message(error))")
            }
        }
        for (legacy, columns) in described {
            let key = legacy ? "legacy" : "sql"
            for (column, kind, place) in Self.uses(view) {
                guard let type = columns[column] else {
                    problems.append("\(view.location(place.key)): \(place.name) uses column \(column), which \(key) does not return (it returns \(columns.keys.sorted().joined(separator: ", ")))")
                    continue
                }
                if let kind, !Self.fits(type, kind) {
                    problems.append("\(view.location(place.key)): \(place.name) is \(kind.rawValue), but column \(column) of \(key) is \(type)")
                }
            }
        }
        if let model = described[false], let legacy = described[true] {
            for (column, _, place) in Self.uses(view) {
                if let a = model[column], let b = legacy[column], Self.rendering(a) != Self.rendering(b) {
                    problems.append("\(view.location(place.key)): column \(column) is \(a) in sql but \(b) in legacy; make them the same type so both paths answer alike")
                }
            }
        }
        guard problems.isEmpty else { return problems }
        for request in Self.sampleRequests(view) {
            for legacy in [false, true] {
                let statement = ViewStatement(view, request: request, legacy: legacy)
                do {
                    try await explain(statement, legacy: legacy, on: connection)
                } catch {
                    let key = legacy ? "legacy" : "sql"
                    problems.append("\(view.location(key)): the \(key == "sql" ? "read model's" : "legacy") statement for \(Self.describe(request)) fails: \(Self.message(error))")
                }
            }
            if !problems.isEmpty { break }
        }
        return problems
    }

    /// The columns (name → type) `view`'s SQL returns, with every parameter NULL.
    func columns(of view: ViewDeclaration, legacy: Bool, on connection: PostgresConnection) async throws -> [String: String] {
        let sql = (legacy ? view.legacySQL : view.readModelSQL).render { name in "NULL::\(view.parameter(name)?.kind.sqlType ?? "text")" }
        return try await rolledBack(connection) {
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE TEMP TABLE cutover_view_probe ON COMMIT DROP AS SELECT * FROM (\(sql)\n) AS v WITH NO DATA"),
                                           logger: logger).collect()
            var out: [String: String] = [:]
            let rows = try await connection.query("""
                SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
                WHERE attrelid = 'pg_temp.cutover_view_probe'::regclass AND attnum > 0 AND NOT attisdropped
                """, logger: logger)
            for try await (name, type) in rows.decode((String, String).self) { out[name] = type }
            return out
        }
    }

    /// Plans `statement` as the path would run it: the read model's as `cutover_reader` with a
    /// caller's context, the legacy's with the settings only.
    func explain(_ statement: ViewStatement, legacy: Bool, on connection: PostgresConnection) async throws {
        try await rolledBack(connection) {
            if legacy {
                _ = try await connection.query(PostgresQuery(unsafeSQL: "SELECT set_config('cutover.territories', 'X', true)"), logger: logger).collect()
            } else {
                _ = try await connection.query(PostgresQuery(unsafeSQL: "SELECT cutover.api_context('X', '1', 'MANAGER')"), logger: logger).collect()
            }
            var binds = PostgresBindings()
            binds.append(statement.arguments)
            _ = try await connection.query(PostgresQuery(unsafeSQL: "EXPLAIN " + statement.sql, binds: binds), logger: logger).collect()
        }
    }

    func rolledBack<R>(_ connection: PostgresConnection, _ body: () async throws -> R) async throws -> R {
        _ = try await connection.query(PostgresQuery(unsafeSQL: "BEGIN"), logger: logger).collect()
        do {
            let result = try await body()
            _ = try await connection.query(PostgresQuery(unsafeSQL: "ROLLBACK"), logger: logger).collect()
            return result
        } catch {
            _ = try? await connection.query(PostgresQuery(unsafeSQL: "ROLLBACK"), logger: logger).collect()
            throw error
        }
    }

    /// Types that render alike in JSON are one: the integer types, the text types.
    static func rendering(_ type: String) -> String {
        if ["bigint", "integer", "smallint"].contains(type) { return "integer" }
        if type == "text" || type.hasPrefix("character") { return "text" }
        return type
    }

    static func message(_ error: any Error) -> String {
        if let error = error as? PSQLError, let message = error.serverInfo?[.message] { return message }
        return "\(Database.translate(error, doing: "checking the view").message)"
    }
}
