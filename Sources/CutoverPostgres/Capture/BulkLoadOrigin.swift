import Logging
import PostgresNIO

/// Keeps a session's writes out of change capture: the session is marked with the replication
/// origin `cutover_bulk_load`, and the capture relay skips transactions carrying it. For bulk loads
/// that ask for full rebuilds instead (`cutover seed`), where relaying every row would only
/// repeat the rebuild's work.
///
/// Marking a session needs superuser (or EXECUTE on the `pg_replication_origin_*` functions). If
/// that is missing the load is captured like any other write: slower, never wrong.
public enum BulkLoadOrigin {
    /// The origin's name (``CutoverCore/CaptureAssembler`` skips it).
    public static let name = "cutover_bulk_load"

    /// Marks the session (call outside a transaction). Returns false, having changed nothing, when
    /// the role may not.
    @discardableResult
    public static func mark(_ connection: PostgresConnection, logger: Logger) async -> Bool {
        do {
            try await connection.query("""
                SELECT pg_replication_origin_create('cutover_bulk_load')
                WHERE NOT EXISTS (SELECT FROM pg_replication_origin WHERE roname = 'cutover_bulk_load')
                """, logger: logger)
        } catch {
            // A concurrent load created it first, or the role may not: the next call tells.
        }
        do {
            try await connection.query("SELECT pg_replication_origin_session_setup('cutover_bulk_load')", logger: logger)
            return true
        } catch {
            logger.notice("cannot keep this bulk load out of change capture (needs superuser or EXECUTE on pg_replication_origin_session_setup); its rows are captured and projected one by one",
                          metadata: ["error": "\(String(reflecting: error).prefix(200))"])
            return false
        }
    }

    /// Removes the mark (call outside a transaction).
    public static func unmark(_ connection: PostgresConnection, logger: Logger) async {
        _ = try? await connection.query("SELECT pg_replication_origin_session_reset()", logger: logger)
    }
}
