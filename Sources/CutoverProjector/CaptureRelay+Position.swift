import CutoverPostgres
import Logging
import PostgresNIO

extension CaptureRelay {
    /// Waits (at most `timeout`) until the capture relay has passed `position` (default: the WAL
    /// insert position of now, which also covers commits not yet written under
    /// `synchronous_commit = off`), so every change committed before it is in the change log.
    /// Returns at once on trigger capture, or when no relay streams the slot (nothing would move;
    /// the caller's retries decide).
    static func waitUntilRelayed(_ c: PostgresConnection, upTo position: String? = nil, timeout: Duration, logger: Logger) async throws {
        guard try await EngineVersionCheck.capturesWAL(c, logger: logger) else { return }
        var target = position ?? ""
        if position == nil {
            for try await lsn in try await c.checkedQuery("SELECT pg_current_wal_insert_lsn()::text", logger: logger, doing: "reading the relay position").decode(String.self) { target = lsn }
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let rows = try await c.checkedQuery("""
                SELECT active, confirmed_flush_lsn >= \(target)::pg_lsn FROM pg_replication_slots WHERE slot_name = cutover.capture_slot_name()
                """, logger: logger, doing: "reading the relay position")
            var done = true
            for try await (active, passed) in rows.decode((Bool, Bool?).self) { done = !active || passed == true }
            if done { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
