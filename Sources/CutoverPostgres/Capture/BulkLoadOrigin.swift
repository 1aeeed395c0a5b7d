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

    /// After a bulk load that asked for full rebuilds: moves this database's capture slot to the
    /// current WAL position when no relay streams it, so the next relay does not decode the whole
    /// load only to skip it. Safe because every projection is rebuilt from the tables as they are
    /// after this point. Returns true when the slot was moved.
    @discardableResult
    public static func skipBacklog(_ connection: PostgresConnection, logger: Logger) async -> Bool {
        do {
            let rows = try await connection.query("""
                SELECT count(*)::int FROM (
                    SELECT pg_replication_slot_advance(slot_name, pg_current_wal_lsn())
                    FROM pg_replication_slots
                    WHERE slot_name = 'cutover_' || (SELECT oid FROM pg_database WHERE datname = current_database()) AND NOT active
                ) moved
                """, logger: logger)
            for try await n in rows.decode(Int.self) { return n > 0 }
        } catch {
            logger.debug("capture slot not moved past the bulk load", metadata: ["error": "\(String(reflecting: error).prefix(200))"])
        }
        return false
    }
}
