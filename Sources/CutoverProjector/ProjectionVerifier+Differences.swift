import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

extension ProjectionVerifier {
    /// How the read table's row of one differing key differs from its recomputation.
    ///
    /// Contract: `key` is one of ``Report/differingKeys`` (the primary key as text, columns joined
    /// with `/`); `columns` lists, in table order, every column whose read-table value and
    /// recomputed value differ. Both sides are read on the snapshot of the comparison, the
    /// recomputed value cast to the read table's column type and compared as `jsonb`. An empty
    /// `columns` means no single column differs: the recomputation returns the key more than once,
    /// or the rows differ only under the column type's own equality.
    public struct Difference: Sendable, Codable, Equatable {
        public var key: String
        public var columns: [ColumnDifference]

        public init(key: String, columns: [ColumnDifference]) {
            self.key = key
            self.columns = columns
        }

        /// One line for people: `key 4: name: live "Foo" ≠ recomputed "Bar"; open_orders: live 3 ≠ recomputed 4`.
        public var summary: String {
            guard !columns.isEmpty else {
                return "key \(key): no single column differs (does the recompute return this key more than once?)"
            }
            let parts = columns.map { column in
                "\(column.column): live \(Self.shown(column.live, type: column.type)) ≠ recomputed \(Self.shown(column.recomputed, type: column.type))"
            }
            return "key \(key): " + parts.joined(separator: "; ")
        }

        /// `NULL` for SQL NULL, numbers and booleans bare, anything else in double quotes with
        /// backslash escapes (so a value reading `NULL` or holding a line break stays unambiguous).
        static func shown(_ value: String?, type: String) -> String {
            guard let value else { return "NULL" }
            if type.hasPrefix("numeric") || ["smallint", "integer", "bigint", "real", "double precision", "boolean"].contains(type) {
                return value
            }
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
    }

    /// One column of a ``Difference``: the read table's value (`live`) and the recomputed one, as
    /// PostgreSQL's text form of the read table's column type (`type`), `nil` (JSON `null`) for
    /// SQL NULL. Values longer than ``valueLimit`` characters are cut there and end in `…`.
    public struct ColumnDifference: Sendable, Codable, Equatable {
        public var column: String
        public var type: String
        public var live: String?
        public var recomputed: String?

        public init(column: String, type: String, live: String?, recomputed: String?) {
            self.column = column
            self.type = type
            self.live = live
            self.recomputed = recomputed
        }

        enum CodingKeys: String, CodingKey { case column, type, live, recomputed }

        /// NULL is written as JSON `null`, not left out.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(column, forKey: .column)
            try container.encode(type, forKey: .type)
            try container.encode(live, forKey: .live)
            try container.encode(recomputed, forKey: .recomputed)
        }
    }

    /// Values are cut to this many characters.
    public static let valueLimit = 200

    /// The differing columns of `keys` (the example differing keys; `keyValues` their key-column
    /// values), in one query inside the verify transaction, so on its snapshot: the recompute of
    /// those keys joined with their read-table rows. A server error (a column type that cannot be
    /// cast or turned into jsonb) leaves the report without differences rather than failing it.
    func differences(_ c: PostgresConnection, store: ProjectionStore, keys: [String], keyValues: [String]) async throws -> [Difference] {
        guard !keys.isEmpty else { return [] }
        let columns = try await columnTypes(c, store: store)
        var binds = PostgresBindings()
        try store.appendKeys(Array(Set(keyValues)).sorted(), to: &binds)
        binds.append(keys)
        try await store.exec(c, "SAVEPOINT cutover_verify_differences")
        var found: [String: [ColumnDifference]] = [:]
        do {
            let rows = try await store.query(c, PostgresQuery(unsafeSQL: differencesSQL(table: store.table, columns: columns), binds: binds))
            for try await (key, json) in rows.decode((String, String).self) {
                found[key] = try JSONDecoder().decode([ColumnDifference].self, from: Data(json.utf8))
            }
            try await store.exec(c, "RELEASE SAVEPOINT cutover_verify_differences")
        } catch {
            // (A server error may surface while the rows stream, untranslated.)
            let failure = Database.translate(error, doing: "verify \(projection.name)")
            guard !c.isClosed, failure.sqlState != nil else { throw error }
            try await store.exec(c, "ROLLBACK TO SAVEPOINT cutover_verify_differences")
            logger.warning("verify \(projection.name): could not compare the differing rows column by column: \(failure.message)")
            return []
        }
        return keys.map { Difference(key: $0, columns: found[$0] ?? []) }
    }

    /// The read table's columns with their types (`format_type`), in table order.
    func columnTypes(_ c: PostgresConnection, store: ProjectionStore) async throws -> [(name: String, type: String)] {
        let rows = try await store.query(c, """
            SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
            WHERE attrelid = \(literal: store.table)::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """)
        var columns: [(name: String, type: String)] = []
        for try await (name, type) in rows.decode((String, String).self) { columns.append((name, type)) }
        return columns
    }

    /// $1: the key-column values to recompute; $2: the primary keys (as text) to compare. Per key
    /// a jsonb array of the columns that differ; with the key returned twice by the recompute, the
    /// pairing that differs in most columns.
    func differencesSQL(table: String, columns: [(name: String, type: String)]) -> String {
        let pk = projection.primaryKey
        let match = pk.map { "f.\($0) = l.\($0)" }.joined(separator: " AND ")
        let keyExpr = pk.map { "f.\($0)::text" }.joined(separator: " || '/' || ")
        let quote = { (name: String) in "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let values = columns.enumerated().map { position, column in
            let (live, fresh) = ("l.\(quote(column.name))", "f.\(quote(column.name))::\(column.type)")
            return "(\(position), \(literal: column.name), \(literal: column.type), to_jsonb(\(live)), to_jsonb(\(fresh)), \(live)::text, (\(fresh))::text)"
        }
        let cut = { (value: String) in
            "CASE WHEN length(\(value)) > \(Self.valueLimit) THEN left(\(value), \(Self.valueLimit)) || '…' ELSE \(value) END"
        }
        return """
            WITH fresh (\(columns.map { quote($0.name) }.joined(separator: ", "))) AS MATERIALIZED (\(projection.recomputeSQL)),
            live AS (SELECT * FROM \(table) WHERE \(projection.keyColumn) = ANY($1))
            SELECT DISTINCT ON (k) k, columns::text FROM (
                SELECT \(keyExpr) AS k,
                       (SELECT coalesce(jsonb_agg(jsonb_build_object('column', v.name, 'type', v.type,
                                                                     'live', \(cut("v.live_text")), 'recomputed', \(cut("v.recomputed_text")))
                                                  ORDER BY v.position), '[]'::jsonb)
                        FROM (VALUES \(values.joined(separator: ",\n                ")))
                             AS v (position, name, type, live, recomputed, live_text, recomputed_text)
                        WHERE v.live IS DISTINCT FROM v.recomputed) AS columns
                FROM fresh f JOIN live l ON \(match)
                WHERE \(keyExpr) = ANY($2)
            ) pairs
            ORDER BY k, jsonb_array_length(columns) DESC
            """
    }
}
