import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

/// The SQL side of one projection: install and full build, checkpoints, fetching final changes,
/// recomputing keys with upsert/delete, dead letters. Every method runs on a connection the
/// caller owns; `runBatch` is one transaction.
public struct ProjectionStore: Sendable {
    public let projection: ProjectionDefinition
    let logger: Logger
    /// Resolved at start: read-table columns and the types of fan-out query parameters.
    var columns: [String] = []
    var parameterTypes: [String: ProjectionDefinition.KeyType] = [:]
    /// The read table this store writes: the live table, or a rebuild's shadow table.
    public internal(set) var table: String
    /// The checkpoint (and dead-letter) name: the projection's, or a rebuild's `name~rebuild`.
    public let checkpointName: String

    public init(projection: ProjectionDefinition, table: String? = nil, checkpointName: String? = nil, logger: Logger) {
        self.projection = projection
        self.table = table ?? projection.table
        self.checkpointName = checkpointName ?? projection.name
        self.logger = logger
    }

    /// Thrown while `cutover rebuild` builds the version this store would install.
    public struct RebuildInProgress: Error, Sendable {
        public var projection: String
    }

    /// Thrown by a batch when a rebuild swapped the live table under this store.
    public struct Swapped: Error, Sendable {
        /// The version now live.
        public var version: Int
        /// The table now live.
        public var table: String
    }

    /// The outcome of one batch.
    public struct BatchOutcome: Sendable {
        public var changes: Int
        public var keys: Int
        public var deadLettered: Int
        public var rebuilt: Bool
        public var moreInRange: Bool
        /// Seconds since the oldest change of the batch was written (commit-to-visible lag upper bound).
        public var oldestChangeAgeSeconds: Double?
    }

    // MARK: - Install

    /// Creates the read table, view and checkpoint and fills the table, unless already there.
    /// Returns whether it built. Serialised across processes with a transaction-level advisory lock.
    ///
    /// Adopts the live table the checkpoint names (a rebuild may have swapped in a fresh copy).
    /// Throws ``Swapped`` when a newer version is live (this definition is outdated and must not
    /// overwrite it) and ``RebuildInProgress`` while `cutover rebuild` builds this version.
    @discardableResult
    public mutating func installIfNeeded(on c: PostgresConnection) async throws -> Bool {
        let (built, live) = try await transaction(c) { c -> (Bool, String) in
            try await exec(c, "SELECT pg_advisory_xact_lock(\(Self.lockClass), hashtext(\(literal: projection.name)))")
            let rows = try await query(c, """
                SELECT version, live_table, to_regclass(live_table) IS NOT NULL FROM cutover.projection_checkpoint WHERE projection = \(literal: projection.name)
                """)
            for try await (version, liveTable, present) in rows.decode((Int32, String, Bool).self) {
                if Int(version) == projection.version && present { return (false, liveTable) }
                if Int(version) > projection.version { throw Swapped(version: Int(version), table: liveTable) }
            }
            // (Two queries: a reference to a missing table fails at parse time, whatever guards it.)
            if try await scalarBool(c, "SELECT to_regclass('cutover.projection_rebuilds') IS NOT NULL"), try await scalarBool(c, """
                SELECT EXISTS (SELECT 1 FROM cutover.projection_rebuilds
                               WHERE projection = \(literal: projection.name) AND status IN ('filling', 'catching_up', 'verifying'))
                """) {
                throw RebuildInProgress(projection: projection.name)
            }
            try await exec(c, "DROP TABLE IF EXISTS \(projection.table) CASCADE")
            // The table first, its secondary indexes after the fill: building them once is faster
            // than maintaining them row by row.
            let statements = try SQLStatementSplitter().split(projection.renderedTableSQL())
            let isIndex = { (sql: String) in sql.lowercased().hasPrefix("create index") || sql.lowercased().hasPrefix("create unique index") }
            for statement in statements where !isIndex(statement.sql) {
                try await exec(c, statement.sql)
            }
            try await refreshColumns(c)
            try await checkShape(c)
            let snapshot = try await takeSnapshot(c)  // before the fill: later commits are applied by batches
            do {
                try await fill(c)
            } catch let error as DatabaseError {
                // Wrong column count or types, a typo in a column: the fill is the first run of recompute.sql.
                throw CoreError(.invalidProjection, "projections/\(projection.name)/recompute.sql: \(error.message)",
                                context: ["projection": projection.name])
            }
            for statement in statements where isIndex(statement.sql) {
                try await exec(c, statement.sql)
            }
            try await installView(c)
            try await exec(c, """
                INSERT INTO cutover.projection_checkpoint (projection, version, live_table, base_snapshot)
                VALUES (\(literal: projection.name), \(projection.version), \(literal: projection.table), \(literal: snapshot)::pg_snapshot)
                ON CONFLICT (projection) DO UPDATE SET version = EXCLUDED.version, live_table = EXCLUDED.live_table,
                    base_snapshot = EXCLUDED.base_snapshot, target_snapshot = NULL, after_id = 0, needs_rebuild = false, built_at = now()
                """)
            try await exec(c, "DELETE FROM cutover.dead_letters WHERE projection = \(literal: projection.name)")
            return (true, projection.table)
        }
        table = live
        try await prepare(on: c)
        return built
    }

    /// Points the view in schema `read` at this version. The view belongs to `cutover_read_views`,
    /// which does not own the read table, so the table's row-level security applies to every read
    /// through it; readers (`cutover_reader`) may select from the view and nothing else.
    func installView(_ c: PostgresConnection) async throws {
        try await exec(c, "DROP VIEW IF EXISTS \(projection.view)")
        do {
            try await exec(c, "CREATE VIEW \(projection.view) AS \(projection.renderedViewSQL(table: table))")
        } catch let error as DatabaseError {
            throw CoreError(.invalidProjection, "projections/\(projection.name)/view.sql: \(error.message)", context: ["projection": projection.name])
        }
        try await exec(c, "ALTER VIEW \(projection.view) OWNER TO cutover_read_views")
        try await exec(c, "GRANT SELECT ON \(table) TO cutover_read_views")
        try await exec(c, "GRANT SELECT ON \(projection.view) TO cutover_reader")
    }

    /// Resolves columns and parameter types (after install).
    public mutating func prepare(on c: PostgresConnection) async throws {
        try await refreshColumns(c)
        for source in projection.sources {
            guard case .query(let parameter, _) = source.mapping else { continue }
            let parts = source.table.split(separator: ".").map(String.init)
            let type = try await scalarText(c, """
                SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                WHERE a.attrelid = \(literal: source.table)::regclass AND a.attname = \(literal: parameter) AND NOT a.attisdropped
                """)
            guard let type else {
                throw CoreError(.invalidProjection, "projections/\(projection.name)/projection.yaml: \(parts.joined(separator: ".")) has no column \(parameter)")
            }
            parameterTypes[source.table] = ["bigint", "integer", "smallint"].contains(type) ? .bigint : .text
        }
    }

    mutating func refreshColumns(_ c: PostgresConnection) async throws {
        let rows = try await query(c, """
            SELECT attname::text FROM pg_attribute WHERE attrelid = \(literal: table)::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """)
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        columns = names
    }

    /// The table must hold the key and primary-key columns; otherwise stop with an error naming the file.
    func checkShape(_ c: PostgresConnection) async throws {
        let where_ = "projections/\(projection.name)"
        for column in [projection.keyColumn] + projection.primaryKey where !columns.contains(column) {
            throw CoreError(.invalidProjection, "\(where_)/table.sql: the table has no column \(column) (named as key or primary key in projection.yaml); columns: \(columns.joined(separator: ", "))",
                            context: ["projection": projection.name])
        }
    }

    /// Replaces the table's rows with a full recompute (inside the caller's transaction).
    func fill(_ c: PostgresConnection) async throws {
        try await exec(c, "SET LOCAL work_mem = '64MB'")
        let keys = try await allKeys(c)
        try await exec(c, "DELETE FROM \(table)")
        var binds = PostgresBindings()
        try appendKeys(keys, to: &binds)
        try await exec(c, PostgresQuery(unsafeSQL: "INSERT INTO \(table) SELECT * FROM (\(projection.recomputeSQL)) AS fresh", binds: binds))
        // Statistics now, not when autovacuum gets to it: without them the planner scans and sorts
        // the whole table for an indexed top-50 (measured: 30 ms of database CPU per API list
        // request right after a build, instead of well under 1 ms).
        try await exec(c, "ANALYZE \(table)")
    }

    func allKeys(_ c: PostgresConnection) async throws -> [String] {
        let rows = try await query(c, "SELECT k::text FROM (\(projection.allKeysSQL.trimmingSemicolonAndWhitespace())) AS all_keys(k)")
        var keys: [String] = []
        for try await k in rows.decode(String.self) { keys.append(k) }
        return keys
    }

    // MARK: - Batches

    static let lockClass: Int32 = 0x6375

    /// One batch in one transaction: fetch final changes, map to keys, recompute, advance the checkpoint.
    public func runBatch(on c: PostgresConnection, limit: Int) async throws -> BatchOutcome {
        try await transaction(c) { c in
            guard var cursor = try await loadCursor(c) else {
                throw DatabaseError(.serverError, "projection \(projection.name) has no checkpoint; it was dropped while running")
            }
            if cursor.needsRebuild {
                let snapshot = try await takeSnapshot(c)
                try await fill(c)
                cursor.cursor.rebuilt(from: snapshot)
                try await saveCursor(c, cursor.cursor, changes: 0, keys: 0, rebuilt: true)
                return BatchOutcome(changes: 0, keys: 0, deadLettered: 0, rebuilt: true, moreInRange: false)
            }
            if case .takeTargetSnapshot = cursor.cursor.nextAction(limit: limit) {
                cursor.cursor.targetTaken(try await takeSnapshot(c))
            }
            guard case .fetch(let base, let target, let afterID, _) = cursor.cursor.nextAction(limit: limit) else { fatalError("cursor has a target") }
            let (rows, oldest) = try await fetch(c, base: base, target: target, afterID: afterID, limit: limit)
            let collected = ChangeKeyCollector(projection: projection).collect(rows)
            var keys = collected.keys
            var deadLettered = 0
            var rebuilt = false
            if collected.needsFullRebuild {
                let snapshot = try await takeSnapshot(c)
                try await fill(c)
                cursor.cursor.rebuilt(from: snapshot)
                rebuilt = true
            } else {
                for (table, values) in collected.queryParameters.sorted(by: { $0.key < $1.key }) {
                    keys.formUnion(try await fanOut(c, table: table, values: values))
                }
                deadLettered = try await recompute(c, keys: keys.sorted())
                cursor.cursor.batchApplied(count: rows.count, lastID: rows.last?.id, limit: limit)
            }
            try await saveCursor(c, cursor.cursor, changes: rows.count, keys: keys.count, rebuilt: rebuilt)
            return BatchOutcome(changes: rows.count, keys: keys.count, deadLettered: deadLettered, rebuilt: rebuilt,
                                moreInRange: cursor.cursor.target != nil, oldestChangeAgeSeconds: oldest)
        }
    }

    struct LoadedCursor {
        var cursor: ProjectionCursor
        var needsRebuild: Bool
    }

    func loadCursor(_ c: PostgresConnection) async throws -> LoadedCursor? {
        let rows = try await query(c, """
            SELECT base_snapshot::text, target_snapshot::text, after_id, needs_rebuild, version, live_table
            FROM cutover.projection_checkpoint WHERE projection = \(literal: checkpointName) FOR UPDATE
            """)
        for try await (base, target, after, rebuild, version, liveTable) in rows.decode((String, String?, Int64, Bool, Int32, String).self) {
            if Int(version) != projection.version || liveTable != table {
                throw Swapped(version: Int(version), table: liveTable)
            }
            return LoadedCursor(cursor: ProjectionCursor(base: base, target: target, afterID: after), needsRebuild: rebuild)
        }
        return nil
    }

    func saveCursor(_ c: PostgresConnection, _ cursor: ProjectionCursor, changes: Int, keys: Int, rebuilt: Bool) async throws {
        try await exec(c, """
            UPDATE cutover.projection_checkpoint SET base_snapshot = \(literal: cursor.base)::pg_snapshot,
                target_snapshot = \(cursor.target.map { "'\($0)'::pg_snapshot" } ?? "NULL"), after_id = \(cursor.afterID),
                needs_rebuild = false, processed_changes = processed_changes + \(changes), recomputed_keys = recomputed_keys + \(keys),
                last_batch_at = now()\(rebuilt ? ", built_at = now()" : "")
            WHERE projection = \(literal: checkpointName)
            """)
    }

    func takeSnapshot(_ c: PostgresConnection) async throws -> String {
        try await scalarText(c, "SELECT pg_current_snapshot()::text") ?? ""
    }

    func fetch(_ c: PostgresConnection, base: String, target: String, afterID: Int64, limit: Int) async throws -> ([ChangeRow], Double?) {
        let tables = projection.sources.map { "'\($0.table)'" }.joined(separator: ", ")
        let oldCase = projection.sources.map { "WHEN '\($0.table)' THEN old_key->>'\($0.capturedColumn)'" }.joined(separator: " ")
        let newCase = projection.sources.map { "WHEN '\($0.table)' THEN new_key->>'\($0.capturedColumn)'" }.joined(separator: " ")
        let rows = try await query(c, """
            SELECT id, source_table, op::text, CASE source_table \(oldCase) END, CASE source_table \(newCase) END,
                   extract(epoch FROM clock_timestamp() - created_at)::float8
            FROM cutover.change_log
            WHERE id > \(afterID) AND source_table IN (\(tables))
              AND NOT pg_visible_in_snapshot(xid, '\(base)'::pg_snapshot) AND pg_visible_in_snapshot(xid, '\(target)'::pg_snapshot)
            ORDER BY id LIMIT \(limit)
            """)
        var out: [ChangeRow] = []
        var oldest: Double?
        for try await (id, table, op, old, new, age) in rows.decode((Int64, String, String, String?, String?, Double).self) {
            out.append(ChangeRow(id: id, sourceTable: table, operation: op, oldValue: old, newValue: new))
            oldest = max(oldest ?? 0, age)
        }
        return (out, oldest)
    }

    func fanOut(_ c: PostgresConnection, table: String, values: Set<String>) async throws -> Set<String> {
        guard let source = projection.source(for: table), case .query(_, let sql) = source.mapping else { return [] }
        var binds = PostgresBindings()
        try appendKeys(values.sorted(), as: parameterTypes[table] ?? .text, to: &binds)
        let rows = try await query(c, PostgresQuery(unsafeSQL: "SELECT k::text FROM (\(sql.trimmingSemicolonAndWhitespace())) AS fan_out(k)", binds: binds))
        var keys = Set<String>()
        for try await k in rows.decode(String?.self) { if let k { keys.insert(k) } }
        return keys
    }

    /// Recomputes `keys`; a failing key is dead-lettered and the others still apply. Returns the
    /// number of dead-lettered keys.
    func recompute(_ c: PostgresConnection, keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        try await exec(c, "SAVEPOINT cutover_recompute")
        do {
            try await upsert(c, keys: keys)
            try await exec(c, "RELEASE SAVEPOINT cutover_recompute")
            try await clearDeadLetters(c, keys: keys)
            return 0
        } catch {
            try await exec(c, "ROLLBACK TO SAVEPOINT cutover_recompute")
        }
        var dead = 0
        for key in keys {
            try await exec(c, "SAVEPOINT cutover_key")
            do {
                try await upsert(c, keys: [key])
                try await exec(c, "RELEASE SAVEPOINT cutover_key")
                try await clearDeadLetters(c, keys: [key])
            } catch {
                try await exec(c, "ROLLBACK TO SAVEPOINT cutover_key")
                let translated = Database.translate(error, doing: "recompute")
                dead += 1
                logger.error("recompute failed; key dead-lettered", metadata: [
                    "projection": "\(projection.name)", "key": "\(key)", "error": "\(translated.message)",
                ])
                try await exec(c, """
                    INSERT INTO cutover.dead_letters (projection, key, error, sqlstate) VALUES (\(literal: checkpointName), \(literal: key), \(literal: translated.message), \(translated.sqlState.map { "'\($0)'" } ?? "NULL"))
                    ON CONFLICT (projection, key) DO UPDATE SET error = EXCLUDED.error, sqlstate = EXCLUDED.sqlstate,
                        attempts = cutover.dead_letters.attempts + 1, last_failed_at = now()
                    """)
            }
        }
        return dead
    }

    /// Recomputes `keys` in one transaction with the raw upsert-from-select (no change log, no
    /// dead letters): the anchor the projector's throughput is measured against.
    public func recomputeInTransaction(on c: PostgresConnection, keys: [String]) async throws {
        try await transaction(c) { c in try await upsert(c, keys: keys) }
    }

    /// The upsert-from-select for a set of keys, plus deletion of rows the recompute no longer returns.
    func upsert(_ c: PostgresConnection, keys: [String]) async throws {
        let t = table
        let pk = projection.primaryKey
        let nonKey = columns.filter { !pk.contains($0) }
        let pkMatch = pk.map { "f.\($0) = t.\($0)" }.joined(separator: " AND ")
        let update = nonKey.isEmpty ? "DO NOTHING" : "DO UPDATE SET " + nonKey.map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
            + " WHERE (" + nonKey.map { "\(t).\($0)" }.joined(separator: ", ") + ") IS DISTINCT FROM ("
            + nonKey.map { "EXCLUDED.\($0)" }.joined(separator: ", ") + ")"
        let sql = """
            WITH fresh (\(columns.joined(separator: ", "))) AS (\(projection.recomputeSQL)),
            removed AS (DELETE FROM \(t) t WHERE t.\(projection.keyColumn) = ANY($1) AND NOT EXISTS (SELECT 1 FROM fresh f WHERE \(pkMatch)) RETURNING 1)
            INSERT INTO \(t) SELECT * FROM fresh ON CONFLICT (\(pk.joined(separator: ", "))) \(update)
            """
        var binds = PostgresBindings()
        try appendKeys(keys, to: &binds)
        try await exec(c, PostgresQuery(unsafeSQL: sql, binds: binds))
    }

    func clearDeadLetters(_ c: PostgresConnection, keys: [String]) async throws {
        var binds = PostgresBindings()
        binds.append(checkpointName)
        binds.append(keys)
        try await exec(c, PostgresQuery(unsafeSQL: "DELETE FROM cutover.dead_letters WHERE projection = $1 AND key = ANY($2)", binds: binds))
    }

    func appendKeys(_ keys: [String], as type: ProjectionDefinition.KeyType? = nil, to binds: inout PostgresBindings) throws {
        switch type ?? projection.keyType {
        case .bigint:
            let ints = try keys.map { k -> Int64 in
                guard let v = Int64(k) else { throw DatabaseError(.serverError, "key \(k) of \(projection.name) is not an integer") }
                return v
            }
            binds.append(ints)
        case .text:
            binds.append(keys)
        }
    }
}
