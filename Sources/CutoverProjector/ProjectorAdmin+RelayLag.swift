import CutoverCore
import CutoverPostgres
import PostgresNIO

extension ProjectorAdmin {
    /// How long WAL may have waited for the capture relay, in seconds: 0 when the relay has seen
    /// everything written, or with trigger capture (no slot: the change log is written at commit).
    ///
    /// The change log only holds what the relay wrote, so a stopped relay (a dead or frozen
    /// projector, a slot nobody streams) would otherwise look current. The measure is an upper bound
    /// on how stale the read models can be:
    /// - the slot is streamed: the relay answers every keepalive at once and confirms every batch,
    ///   so WAL it was sent but has not confirmed (`sent_lsn > flush_lsn`) counts from its last
    ///   answer (`reply_time`); a slow relay also shows PostgreSQL's own `flush_lag`;
    /// - nobody streams the slot but WAL was written after its confirmed position: it counts from
    ///   the relay's last sign of life (`cutover.capture_relay.relayed_at`, refreshed with every
    ///   batch and, while idle, every few seconds).
    /// (A role that may not read the walsender's columns of `pg_stat_replication` — neither the
    /// relay's role nor `pg_read_all_stats` — gets the second rule.)
    /// WAL the relay has not seen may hold no captured change (vacuum, other tables), so a stopped
    /// relay shows a growing lag even when nothing it captures was written: that is the point.
    func relayLagSeconds(on connection: PostgresConnection) async throws -> Double {
        guard try await EngineVersionCheck.capturesWAL(connection, logger: logger) else { return 0 }
        let rows = try await connection.checkedQuery("""
            SELECT coalesce((
                SELECT CASE
                    WHEN w.reply_time IS NOT NULL THEN greatest(
                        coalesce(extract(epoch FROM w.flush_lag), 0),
                        CASE WHEN w.sent_lsn > w.flush_lsn THEN extract(epoch FROM clock_timestamp() - w.reply_time) ELSE 0 END)
                    WHEN pg_current_wal_insert_lsn() > s.confirmed_flush_lsn
                        THEN extract(epoch FROM clock_timestamp() - coalesce(r.relayed_at, clock_timestamp()))
                    ELSE 0 END
                FROM pg_replication_slots s
                LEFT JOIN pg_stat_replication w ON w.pid = s.active_pid
                LEFT JOIN cutover.capture_relay r ON r.slot_name = s.slot_name
                WHERE s.slot_name = cutover.capture_slot_name()), 0)::float8
            """, logger: logger, doing: "measuring the relay lag")
        for try await lag in rows.decode(Double.self) { return max(0, lag) }
        return 0
    }
}
