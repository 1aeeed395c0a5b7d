import CutoverCore
import CutoverPostgres
import Foundation
import PostgresNIO

extension ProjectionRebuilder {
    /// What one comparison of the shadow on a snapshot found.
    struct ShadowCheck {
        /// Keys whose rows differ on the snapshot, and how: `missing`, `extra` or `differing`.
        var suspects: [String: String]
        /// Rows of the shadow compared.
        var rows: Int64
        /// Keys compared (`nil`: all).
        var sampled: Int?
        /// The WAL position read right after the snapshot was taken: every commit the snapshot sees is before it.
        var walPosition: String
        /// The shadow's checkpoint base as the snapshot saw it: what its rows reflect.
        var base: String
    }

    /// Compares the shadow with a recomputation on one REPEATABLE READ snapshot and returns every
    /// key that differs, with where the snapshot stood.
    func checkShadow(_ c: PostgresConnection, store: ProjectionStore) async throws -> ShadowCheck {
        var store = store
        try await exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            // The first statement takes the snapshot; the WAL position it reads is after it.
            var position = "0/0"
            var base = ""
            let first = try await query(c, """
                SELECT pg_current_wal_insert_lsn()::text, (SELECT base_snapshot::text FROM cutover.projection_checkpoint WHERE projection = '\(checkpointName)')
                """)
            for try await (lsn, b) in first.decode((String, String?).self) {
                position = lsn
                base = b ?? ""
            }
            try await store.refreshColumns(c)
            let keys = try await ProjectionVerifier.keysToCompare(c, store: store, sample: verifySample)
            let key = projection.keyColumn
            var binds = PostgresBindings()
            try store.appendKeys(keys, to: &binds)
            let match = projection.primaryKey.map { "f.\($0) = l.\($0)" }.joined(separator: " AND ")
            let liveSQL = "SELECT * FROM \(store.table)" + (verifySample == nil ? "" : " WHERE \(key) = ANY($1)")
            try await exec(c, "SET LOCAL work_mem = '256MB'")
            let rows = try await c.checkedQuery(PostgresQuery(unsafeSQL: """
                WITH fresh (\(store.columns.joined(separator: ", "))) AS MATERIALIZED (\(projection.recomputeSQL)),
                live AS MATERIALIZED (\(liveSQL))
                SELECT coalesce(f.\(key), l.\(key))::text,
                       CASE WHEN l.\(key) IS NULL THEN 'missing' WHEN f.\(key) IS NULL THEN 'extra' ELSE 'differing' END,
                       (SELECT count(*) FROM live)
                FROM fresh f FULL JOIN live l ON \(match)
                WHERE f.\(key) IS NULL OR l.\(key) IS NULL OR row_to_json(f)::jsonb IS DISTINCT FROM row_to_json(l)::jsonb
                UNION ALL SELECT NULL, NULL, (SELECT count(*) FROM live)
                """, binds: binds), logger: logger, doing: "comparing the shadow of \(projection.name)")
            var suspects: [String: String] = [:]
            var compared: Int64 = 0
            for try await (k, kind, n) in rows.decode((String?, String?, Int64).self) {
                compared = n
                if let k, let kind, suspects[k] == nil || kind != "differing" { suspects[k] = kind }
            }
            try await exec(c, "COMMIT")
            return ShadowCheck(suspects: suspects, rows: compared, sampled: verifySample == nil ? nil : keys.count, walPosition: position, base: base)
        } catch {
            _ = try? await exec(c, "ROLLBACK")
            throw error
        }
    }

    /// Keys with a change the shadow had not applied at `base` (relayed up to now): a difference on
    /// such a key is a change committed meanwhile, not drift. `nil`: a truncate, everything is pending.
    func pendingKeys(_ c: PostgresConnection, store: ProjectionStore, base: String) async throws -> Set<String>? {
        let now = try await scalar(c, "SELECT pg_current_snapshot()::text") ?? base
        let (rows, _) = try await store.fetch(c, base: base, target: now, afterID: 0, limit: 10_000_000)
        let collected = ChangeKeyCollector(projection: projection).collect(rows)
        if collected.needsFullRebuild { return nil }
        var keys = collected.keys
        for (table, values) in collected.queryParameters {
            keys.formUnion(try await store.fanOut(c, table: table, values: values))
        }
        return keys
    }
}
