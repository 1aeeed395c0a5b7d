import CutoverCore
import Logging
import PostgresNIO

/// What capture through the WAL needs of the server, checked before `init` changes anything:
/// `wal_level = logical`, a role with REPLICATION (or superuser) and a free replication slot.
struct EngineCapturePreflight: Sendable {
    var logger: Logger

    func check(_ connection: PostgresConnection, database: String) async throws {
        let rows = try await connection.checkedQuery("""
            SELECT current_setting('wal_level'),
                   (SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user),
                   current_user::text,
                   EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = 'cutover_' || (SELECT oid FROM pg_database WHERE datname = current_database())),
                   (SELECT count(*) FROM pg_replication_slots)::int8,
                   current_setting('max_replication_slots')::int8
            """, logger: logger, doing: "checking what capture through the WAL needs")
        for try await (level, replication, role, hasSlot, slots, maxSlots) in rows.decode((String, Bool, String, Bool, Int64, Int64).self) {
            if level != "logical" {
                throw DatabaseError(.engineInstallRefused, """
                    capture through the WAL needs wal_level = logical; this server has wal_level = \(level). Nothing was changed. \
                    Either ALTER SYSTEM SET wal_level = logical and restart PostgreSQL, or run `cutover init --capture triggers` (a trigger per captured table; writers pay for it)
                    """)
            }
            if !replication {
                throw DatabaseError(.engineInstallRefused, """
                    capture through the WAL creates a replication slot, which needs the REPLICATION attribute or superuser; role \(role) has neither. \
                    Nothing was changed. Run ALTER ROLE \(role) REPLICATION; (as a superuser), then cutover init again
                    """)
            }
            if !hasSlot && slots >= maxSlots {
                throw DatabaseError(.engineInstallRefused, """
                    capture through the WAL needs a replication slot, and all \(maxSlots) (max_replication_slots) are taken. Nothing was changed. \
                    Drop a slot nobody uses (pg_replication_slots) or raise max_replication_slots and restart PostgreSQL
                    """)
            }
        }
    }
}
