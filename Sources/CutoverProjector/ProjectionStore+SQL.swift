import CutoverCore
import CutoverPostgres
import Logging
import PostgresNIO

extension ProjectionStore {
    func transaction<R>(_ c: PostgresConnection, _ body: (PostgresConnection) async throws -> R) async throws -> R {
        try await exec(c, "BEGIN")
        do {
            let value = try await body(c)
            try await exec(c, "COMMIT")
            return value
        } catch {
            if !c.isClosed { _ = try? await c.checkedQuery("ROLLBACK", logger: logger, doing: "rolling back") }
            throw error
        }
    }


    func exec(_ c: PostgresConnection, _ sql: String) async throws {
        try await exec(c, PostgresQuery(unsafeSQL: sql))
    }

    func exec(_ c: PostgresConnection, _ q: PostgresQuery) async throws {
        try await c.checkedQuery(q, logger: logger, doing: "projection \(projection.name)")
    }

    func query(_ c: PostgresConnection, _ sql: String) async throws -> PostgresRowSequence {
        try await query(c, PostgresQuery(unsafeSQL: sql))
    }

    func query(_ c: PostgresConnection, _ q: PostgresQuery) async throws -> PostgresRowSequence {
        try await c.checkedQuery(q, logger: logger, doing: "projection \(projection.name)")
    }

    func scalarText(_ c: PostgresConnection, _ sql: String) async throws -> String? {
        for try await value in try await query(c, sql).decode(String?.self) { return value }
        return nil
    }

    func scalarBool(_ c: PostgresConnection, _ sql: String) async throws -> Bool {
        for try await value in try await query(c, sql).decode(Bool.self) { return value }
        return false
    }
}

extension String.StringInterpolation {
    /// A single-quoted SQL literal (only for identifiers and values Cutover itself controls).
    mutating func appendInterpolation(literal value: String) {
        appendLiteral("'" + value.replacingOccurrences(of: "'", with: "''") + "'")
    }
}

extension ProjectionStore {
    /// Switches this store to `newTable` (the live table after a rebuild of the same version).
    public mutating func follow(_ newTable: String, on c: PostgresConnection) async throws {
        table = newTable
        try await refreshColumns(c)
    }

    /// Points this store at the table readers read: the one the projection's checkpoint names (a
    /// rebuild may have swapped in a copy and dropped the table the definition names), then
    /// resolves columns and parameter types. Every repair outside the projector writes through a
    /// store prepared this way. Throws `invalidProjection` when the projection is not installed
    /// or another version than this definition's is live (its rows have another shape).
    ///
    /// With `lockingCheckpoint` (inside a transaction) the checkpoint row stays locked until the
    /// transaction ends: the projector's batches and a rebuild's swap lock it too, so a repair
    /// neither writes rows older than the projector's nor writes a table a swap just replaced.
    public mutating func prepareLive(on c: PostgresConnection, lockingCheckpoint: Bool = false) async throws {
        let rows = try await query(c, """
            SELECT version, live_table FROM cutover.projection_checkpoint WHERE projection = \(literal: projection.name)\(lockingCheckpoint ? " FOR UPDATE" : "")
            """)
        var live: (version: Int, table: String)?
        for try await (version, liveTable) in rows.decode((Int32, String).self) { live = (Int(version), liveTable) }
        guard let live else {
            throw CoreError(.invalidProjection, "projection \(projection.name) is not installed yet; start the projector (cutover project) first",
                            context: ["projection": projection.name])
        }
        guard live.version == projection.version else {
            throw CoreError(.invalidProjection,
                            "projection \(projection.name) is live at version \(live.version) but its definition is version \(projection.version); deploy it with `cutover rebuild \(projection.name)` first",
                            context: ["projection": projection.name])
        }
        table = live.table
        try await prepare(on: c)
    }
}

extension ProjectionStore {
    /// Inserts the recompute of `keys` into an empty part of the table (a rebuild's shadow fill):
    /// no conflict handling, no deletes, the cheapest way to write a batch.
    func insertFresh(_ c: PostgresConnection, keys: [String]) async throws {
        var binds = PostgresBindings()
        try appendKeys(keys, to: &binds)
        try await exec(c, PostgresQuery(unsafeSQL: "INSERT INTO \(table) SELECT * FROM (\(projection.recomputeSQL)) AS fresh", binds: binds))
    }
}
