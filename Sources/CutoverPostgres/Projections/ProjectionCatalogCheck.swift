import CutoverCore
import Logging
import PostgresNIO

/// Checks projections against the target database's catalog: every source table exists (in any
/// schema, as a table) and has the column the projection captures. Errors name the projection
/// folder, `projection.yaml` and the table, so a typo or a table of another database is found
/// before anything is built.
public struct ProjectionCatalogCheck: Sendable {
    /// The projections folder as configured, named in errors.
    public var directory: String
    public var logger: Logger

    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    public func check(_ projections: [ProjectionDefinition], on connection: PostgresConnection) async throws {
        let sources = projections.flatMap { projection in projection.sources.map { (projection: projection.name, source: $0) } }
        guard !sources.isEmpty else { return }
        // One statement for every source: its relkind ('' when missing) and whether the column exists.
        let rows = try await connection.checkedQuery("""
            SELECT current_database(), coalesce(c.relkind::text, ''),
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = s.col AND a.attnum > 0 AND NOT a.attisdropped)
            FROM unnest(\(sources.map(\.source.table))::text[], \(sources.map(\.source.capturedColumn))::text[]) WITH ORDINALITY AS s(tbl, col, n)
            LEFT JOIN pg_class c ON c.oid = to_regclass(s.tbl)
            ORDER BY s.n
            """, logger: logger, doing: "checking the projections' source tables")
        var index = 0
        for try await (database, kind, hasColumn) in rows.decode((String, String, Bool).self) {
            let (projection, source) = sources[index]
            index += 1
            let file = "\(directory)/\(projection)/projection.yaml"
            let context = ["projection": projection, "file": "projection.yaml", "table": source.table]
            guard !kind.isEmpty else {
                throw CoreError(.invalidProjection, "\(file): source table \(source.table) does not exist in database \(database)", context: context)
            }
            guard kind == "r" || kind == "p" else {
                throw CoreError(.invalidProjection, "\(file): source \(source.table) is not a table (relkind \(kind)); capture needs a table",
                                context: context)
            }
            guard hasColumn else {
                throw CoreError(.invalidProjection, "\(file): source \(source.table) has no column \(source.capturedColumn) in database \(database)",
                                context: context)
            }
        }
    }
}
