import CutoverCore
import CutoverPostgres
import Foundation
import PostgresNIO

extension ProjectorAdmin {
    /// The capture slot and relay, for `projector status`.
    public struct CaptureStatus: Sendable, Codable, Equatable {
        public var slot: String
        /// A capture relay streams the slot now.
        public var streaming: Bool
        /// The slot's confirmed position: everything before it is in the change log (or captured nothing).
        public var confirmedLSN: String?
        /// WAL written after the confirmed position (not yet seen by the relay), in bytes.
        public var behindBytes: Int64
        /// WAL the slot keeps from being recycled, in bytes.
        public var retainedBytes: Int64
        /// `reserved`, `extended`, `unreserved` or `lost` (then the relay recreates it and rebuilds).
        public var walStatus: String?
        public var relayedChanges: Int64
        /// The relay's last sign of life: its last batch, or its last idle heartbeat.
        public var relayedAt: String?
        /// How long WAL may have waited for the relay (``ProjectorAdmin/relayLagSeconds(on:)``).
        public var relayLagSeconds: Double = 0
    }

    /// `nil` when the slot does not exist (capture not installed, or the projector has not created
    /// it yet in a copied database).
    public func captureStatus() async throws -> CaptureStatus? {
        try await Database.withConnection(target, logger: logger) { c in
            guard try await EngineVersionCheck.capturesWAL(c, logger: logger) else { return nil }
            let rows = try await c.checkedQuery("""
                SELECT s.slot_name::text, s.active, s.confirmed_flush_lsn::text,
                       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), 0)::int8,
                       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn), 0)::int8, s.wal_status,
                       coalesce(r.relayed_changes, 0), to_char(r.relayed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                FROM pg_replication_slots s LEFT JOIN cutover.capture_relay r ON r.slot_name = s.slot_name
                WHERE s.slot_name = cutover.capture_slot_name()
                """, logger: logger, doing: "reading the capture status")
            for try await (slot, active, confirmed, behind, retained, status, changes, at) in rows.decode(
                (String, Bool, String?, Int64, Int64, String?, Int64, String?).self) {
                let lag = try await relayLagSeconds(on: c)
                return CaptureStatus(slot: slot, streaming: active, confirmedLSN: confirmed, behindBytes: behind, retainedBytes: retained,
                                     walStatus: status, relayedChanges: changes, relayedAt: at, relayLagSeconds: lag)
            }
            return nil
        }
    }

    /// The current WAL insert position: pass it to ``caughtUp(_:since:)`` after a write. (Not the
    /// write position: with `synchronous_commit = off` a commit that has returned may not be written
    /// yet, and waiting for the write position would not wait for it.)
    public func currentWAL() async throws -> LSN {
        try await Database.withConnection(target, logger: logger) { c in
            for try await text in try await c.checkedQuery("SELECT pg_current_wal_insert_lsn()::text", logger: logger, doing: "reading the capture status").decode(String.self) {
                return LSN(text) ?? .zero
            }
            return .zero
        }
    }

    /// True when the capture relay has passed `since` (every transaction committed before it is in
    /// the change log) and every projection has applied all it relayed.
    public func caughtUp(_ projections: [ProjectionDefinition], since: LSN) async throws -> Bool {
        // Trigger capture (no capture functions): changes are in the change log at commit.
        let (wal, confirmed): (Bool, LSN?) = try await Database.withConnection(target, logger: logger) { c in
            guard try await EngineVersionCheck.capturesWAL(c, logger: logger) else { return (false, nil) }
            let rows = try await c.checkedQuery("""
                SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = cutover.capture_slot_name()
                """, logger: logger, doing: "reading the capture status")
            for try await text in rows.decode(String?.self) { return (true, text.flatMap(LSN.init)) }
            return (true, nil)
        }
        if wal {
            guard let confirmed, confirmed >= since else { return false }
        }
        let rows = try await status(projections)
        return rows.count == projections.count && rows.allSatisfy { $0.installed && $0.pendingChanges == 0 }
    }
}
