import CutoverCore
import CutoverPostgres
import Logging
import PostgresNIO

/// Compares a read table with a recomputation from the write tables on one consistent snapshot
/// (a REPEATABLE READ transaction): rows missing, extra and differing, with example keys, and for
/// the example differing keys the columns that differ with both values.
public struct ProjectionVerifier: Sendable {
    public let projection: ProjectionDefinition
    public let logger: Logger

    public init(projection: ProjectionDefinition, logger: Logger) {
        self.projection = projection
        self.logger = logger
    }

    static let summary = """
        SELECT (SELECT count(*) FROM live), (SELECT count(*) FROM missing), (SELECT count(*) FROM extra), (SELECT count(*) FROM differing),
               coalesce((SELECT array_agg(k) FROM (SELECT k FROM missing ORDER BY k LIMIT 20) x), '{}'),
               coalesce((SELECT array_agg(k) FROM (SELECT k FROM extra ORDER BY k LIMIT 20) x), '{}'),
               coalesce((SELECT array_agg(k) FROM (SELECT k FROM differing ORDER BY k LIMIT 20) x), '{}'),
               coalesce((SELECT array_agg(key_value) FROM (SELECT k, key_value FROM differing ORDER BY k LIMIT 20) x), '{}')
        """

    /// The comparison result.
    public struct Report: Sendable, Codable, Equatable {
        public var projection: String
        public var rows: Int64
        public var missing: Int64
        public var extra: Int64
        public var differing: Int64
        /// Up to 20 example keys per kind of difference.
        public var missingKeys: [String]
        public var extraKeys: [String]
        public var differingKeys: [String]
        /// With `--sample`: how many keys were compared (`nil`: every key).
        public var sampledKeys: Int?
        /// For each of `differingKeys` (in that order) the columns that differ, with the read
        /// table's value and the recomputed one: see ``Difference``. Empty when there is no
        /// differing key, or when the columns could not be compared (logged as a warning).
        public var differences: [Difference] = []
        public var isClean: Bool { missing == 0 && extra == 0 && differing == 0 }
    }

    /// The keys a comparison covers: every key of the write side, or `sample` random ones of it plus
    /// `sample` random keys of `store.table` (so both missing and extra rows can show).
    static func keysToCompare(_ c: PostgresConnection, store: ProjectionStore, sample: Int?) async throws -> [String] {
        let keys = try await store.allKeys(c)
        guard let sample else { return keys }
        var chosen = Set(keys.shuffled().prefix(sample))
        let rows = try await store.query(c, "SELECT \(store.projection.keyColumn)::text FROM \(store.table) GROUP BY 1 ORDER BY random() LIMIT \(sample)")
        for try await k in rows.decode(String.self) { chosen.insert(k) }
        return chosen.sorted()
    }

    /// Verifies the live table (or `table`, e.g. a shadow copy): every key, or with `sample` that
    /// many random keys of the write side plus that many random keys of the read table (so both
    /// missing and extra rows can show), compared on the same snapshot. The example differing keys
    /// are then compared column by column on that snapshot too (one more query, for those keys only).
    public func verify(on c: PostgresConnection, table: String? = nil, sample: Int? = nil) async throws -> Report {
        var store = ProjectionStore(projection: projection, logger: logger)
        try await store.exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            // The live table is the one the checkpoint names (a rebuild may have swapped in a copy).
            let live = try await store.scalarText(c, "SELECT live_table FROM cutover.projection_checkpoint WHERE projection = '\(projection.name)' AND version = \(projection.version)")
            let t = table ?? live ?? projection.table
            store.table = t
            try await store.refreshColumns(c)
            let keys = try await Self.keysToCompare(c, store: store, sample: sample)
            let pk = projection.primaryKey
            let match = pk.map { "f.\($0) = l.\($0)" }.joined(separator: " AND ")
            let keyExpr = { (alias: String) in pk.map { "\(alias).\($0)::text" }.joined(separator: " || '/' || ") }
            var binds = PostgresBindings()
            try store.appendKeys(keys, to: &binds)
            let liveSQL = "SELECT * FROM \(t)\(sample == nil ? "" : " WHERE \(projection.keyColumn) = ANY($1)")"
            // Whole rows compared with EXCEPT ALL (hashed set operations): only the few rows that
            // differ are then classified by key. Column types without equality (json) fall back
            // to comparing rows as jsonb.
            let sql = """
                WITH fresh (\(store.columns.joined(separator: ", "))) AS MATERIALIZED (\(projection.recomputeSQL)),
                live AS MATERIALIZED (\(liveSQL)),
                only_fresh AS MATERIALIZED (SELECT * FROM fresh EXCEPT ALL SELECT * FROM live),
                only_live AS MATERIALIZED (SELECT * FROM live EXCEPT ALL SELECT * FROM fresh),
                missing AS (SELECT \(keyExpr("f")) AS k FROM only_fresh f WHERE NOT EXISTS (SELECT 1 FROM live l WHERE \(match))),
                extra AS (SELECT \(keyExpr("l")) AS k FROM only_live l WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE \(match))),
                differing AS (SELECT DISTINCT \(keyExpr("f")) AS k, f.\(projection.keyColumn)::text AS key_value FROM only_fresh f WHERE EXISTS (SELECT 1 FROM live l WHERE \(match)))
                \(Self.summary)
                """
            let jsonSQL = """
                WITH fresh (\(store.columns.joined(separator: ", "))) AS MATERIALIZED (\(projection.recomputeSQL)),
                live AS MATERIALIZED (\(liveSQL)),
                missing AS (SELECT \(keyExpr("f")) AS k FROM fresh f WHERE NOT EXISTS (SELECT 1 FROM live l WHERE \(match))),
                extra AS (SELECT \(keyExpr("l")) AS k FROM live l WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE \(match))),
                differing AS (SELECT \(keyExpr("f")) AS k, f.\(projection.keyColumn)::text AS key_value FROM fresh f JOIN live l ON \(match) WHERE row_to_json(f)::jsonb IS DISTINCT FROM row_to_json(l)::jsonb)
                \(Self.summary)
                """
            try await store.exec(c, "SET LOCAL work_mem = '256MB'")
            // A sample is a slice of the keys: index probes beat hashing every source table.
            if sample != nil { try await store.exec(c, "SET LOCAL random_page_cost = 1.1") }
            try await store.exec(c, "SAVEPOINT cutover_verify")
            var query = sql
            do {
                _ = try await store.query(c, PostgresQuery(unsafeSQL: "EXPLAIN " + sql, binds: binds))
                try await store.exec(c, "RELEASE SAVEPOINT cutover_verify")
            } catch let error as DatabaseError where error.sqlState == "42883" {
                try await store.exec(c, "ROLLBACK TO SAVEPOINT cutover_verify")
                query = jsonSQL
            }
            let rows = try await store.query(c, PostgresQuery(unsafeSQL: query, binds: binds))
            var report = Report(projection: projection.name, rows: 0, missing: 0, extra: 0, differing: 0, missingKeys: [], extraKeys: [], differingKeys: [],
                                sampledKeys: sample.map { _ in keys.count })
            var differingKeyValues: [String] = []
            for try await (n, m, e, d, mk, ek, dk, dv) in rows.decode((Int64, Int64, Int64, Int64, [String], [String], [String], [String]).self) {
                report = Report(projection: projection.name, rows: n, missing: m, extra: e, differing: d, missingKeys: mk, extraKeys: ek, differingKeys: dk,
                                sampledKeys: sample.map { _ in keys.count })
                differingKeyValues = dv
            }
            report.differences = try await differences(c, store: store, keys: report.differingKeys, keyValues: differingKeyValues)
            try await store.exec(c, "COMMIT")
            return report
        } catch {
            if !c.isClosed { _ = try? await c.checkedQuery("ROLLBACK", logger: logger, doing: "rolling back") }
            throw error
        }
    }
}
