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
        var database = "the database"
        for try await name in try await connection.query("SELECT current_database()", logger: logger).decode(String.self) { database = name }
        for projection in projections {
            for source in projection.sources {
                let rows = try await connection.query("""
                    SELECT c.relkind::text, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = \(source.capturedColumn)
                                                                              AND a.attnum > 0 AND NOT a.attisdropped)
                    FROM pg_class c WHERE c.oid = to_regclass(\(source.table))
                    """, logger: logger)
                var found: (kind: String, hasColumn: Bool)?
                for try await (kind, hasColumn) in rows.decode((String, Bool).self) { found = (kind, hasColumn) }
                let file = "\(directory)/\(projection.name)/projection.yaml"
                let context = ["projection": projection.name, "file": "projection.yaml", "table": source.table]
                guard let found else {
                    throw CoreError(.invalidProjection, "\(file): source table \(source.table) does not exist in database \(database)", context: context)
                }
                guard found.kind == "r" || found.kind == "p" else {
                    throw CoreError(.invalidProjection, "\(file): source \(source.table) is not a table (relkind \(found.kind)); capture needs a table",
                                    context: context)
                }
                guard found.hasColumn else {
                    throw CoreError(.invalidProjection, "\(file): source \(source.table) has no column \(source.capturedColumn) in database \(database)",
                                    context: context)
                }
            }
        }
    }
}
