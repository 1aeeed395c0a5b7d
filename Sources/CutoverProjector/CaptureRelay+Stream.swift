import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

extension CaptureRelay {
    /// Changes per insert into the change log, at most (whole transactions are never split).
    static let maxBatchChanges = 5_000
    /// A status update goes to the server at least this often (it drops silent clients after
    /// `wal_sender_timeout`, 60 s by default).
    static let statusInterval: Duration = .seconds(10)
    /// While idle, the relay records that it is alive (and how far it has seen) at most this often:
    /// `projector status` and the read API count the lag of WAL nobody relays from that moment.
    static let heartbeatInterval: Duration = .seconds(2)
    /// A received transaction waits at most this long for others to share its insert: one insert
    /// per transaction would cap the relay at a few thousand transactions per second (one round
    /// trip each), far below what writers commit.
    static let maxBatchLatency: Duration = .milliseconds(10)

    /// One streaming session: ensure the slot, stream, write batches, confirm; returns when stopped.
    func relay(onStreaming: () -> Void) async throws {
        let sql = try await Database.connect(target, logger: logger)
        do {
            try await sql.closingOnCancellation { try await stream(sql: sql, onStreaming: onStreaming) }
            try? await sql.close()
        } catch {
            try? await sql.close()
            throw error
        }
    }

    private func stream(sql: PostgresConnection, onStreaming: () -> Void) async throws {
        let (slot, created) = try await ensureSlot(sql)
        if created {
            // Changes made before the slot existed were never captured: rebuild every projection.
            try await sql.checkedQuery("SELECT cutover.request_rebuild_all()", logger: logger, doing: "setting up the capture slot")
            logger.notice("created the capture slot; every projection is rebuilt once, since earlier changes were not captured",
                          metadata: ["slot": "\(slot)"])
        }
        let relayed = try await relayedPosition(sql, slot: slot)
        let stream = try await ReplicationConnection.start(url: target.url, slot: slot, publication: Self.publication,
                                                           applicationName: "cutover capture relay", timeoutSeconds: target.connectTimeoutSeconds)
        metrics.streaming.record(1)
        onStreaming()
        logger.info("streaming the capture slot", metadata: ["slot": "\(slot)", "relayed_up_to": "\(relayed)"])
        wakeAll()

        var assembler = CaptureAssembler(capturedColumns: capturedColumns)
        var pending: [CapturedTransaction] = []
        var pendingChanges = 0
        var firstPendingAt = ContinuousClock.now
        var confirmed = relayed
        var lastStatus = ContinuousClock.now
        var lastHeartbeat = ContinuousClock.now - Self.heartbeatInterval
        while !isStopping {
            let waitMilliseconds: Int32 = pending.isEmpty
                ? 250
                : Int32(max(0, (Self.maxBatchLatency - (ContinuousClock.now - firstPendingAt)) / .milliseconds(1)))
            let event = try await stream.next(timeoutMilliseconds: waitMilliseconds)
            switch event {
            case .data(_, _, let payload):
                if let tx = try assembler.consume(PgOutputMessage.decode(payload)), tx.endLSN > relayed {
                    if pending.isEmpty { firstPendingAt = .now }
                    pending.append(tx)
                    pendingChanges += tx.changes.count
                }
                if pending.isEmpty || (pendingChanges < Self.maxBatchChanges && ContinuousClock.now - firstPendingAt < Self.maxBatchLatency) {
                    continue
                }
            case .keepalive(let walEnd, let replyRequested):
                // Everything before walEnd was decoded and sent; with nothing open or unwritten
                // the slot may move past it (WAL of tables nobody captures is not retained).
                // The server sends one when it waits for WAL and we are behind: answering at once lets
                // the slot (and `projector status`) show that everything up to now has been seen.
                var advanced = false
                if !assembler.inTransaction, pending.isEmpty, walEnd > confirmed {
                    confirmed = walEnd
                    advanced = true
                }
                if replyRequested || advanced {
                    try stream.sendStatus(flushed: confirmed)
                    lastStatus = .now
                }
                if advanced, ContinuousClock.now - lastHeartbeat >= Self.heartbeatInterval {
                    try await heartbeat(sql: sql, slot: slot, position: confirmed)
                    lastHeartbeat = .now
                }
            case nil:
                break
            }
            if !pending.isEmpty, pendingChanges >= Self.maxBatchChanges || ContinuousClock.now - firstPendingAt >= Self.maxBatchLatency {
                confirmed = try await write(pending, sql: sql, slot: slot)
                pending.removeAll(keepingCapacity: true)
                pendingChanges = 0
                try stream.sendStatus(flushed: confirmed)
                lastStatus = .now
            } else if ContinuousClock.now - lastStatus > Self.statusInterval {
                try stream.sendStatus(flushed: confirmed)
                lastStatus = .now
            }
        }
        if !pending.isEmpty {
            confirmed = try await write(pending, sql: sql, slot: slot)
            try? stream.sendStatus(flushed: confirmed)
        }
        metrics.streaming.record(0)
        logger.info("capture relay stopped", metadata: ["relayed_up_to": "\(confirmed)"])
    }

    /// Writes the transactions' changes, the new relay position and a wake-up for every projector
    /// in one statement. Returns the position to confirm.
    ///
    /// A writer's commit record reaches the WAL (and so the relay) a moment before its transaction
    /// becomes visible to new snapshots. A change-log row visible before the change itself would let
    /// a projector recompute from the old data and move on. So the statement writes only if every
    /// relayed writer transaction is visible in its own snapshot; otherwise it writes nothing and is
    /// tried again a millisecond later (almost never needed, and never for long).
    func write(_ transactions: [CapturedTransaction], sql: PostgresConnection, slot: String) async throws -> LSN {
        let start = ContinuousClock.now
        var tables: [String] = [], ops: [String] = [], olds: [String] = [], news: [String] = [], times: [Double] = []
        var writers: [Int64] = []
        for tx in transactions {
            let time = tx.commitTimeSince1970
            if !tx.changes.isEmpty { writers.append(Int64(tx.xid)) }
            for c in tx.changes {
                tables.append(c.table)
                ops.append(String(c.operation))
                olds.append(c.oldKey ?? "")
                news.append(c.newKey ?? "")
                times.append(time)
            }
        }
        let last = transactions[transactions.count - 1]
        var binds = PostgresBindings()
        binds.append(tables)
        binds.append(ops)
        binds.append(olds)
        binds.append(news)
        binds.append(times)
        binds.append(last.endLSN.description)
        binds.append(slot)
        binds.append(writers)
        let statement = """
            WITH now_ AS (
                SELECT pg_current_snapshot() AS snap, pg_snapshot_xmax(pg_current_snapshot())::text::numeric AS next
            ), ready AS (
                -- 32-bit ids from the stream, widened with the epoch of the next id (or the one before).
                SELECT coalesce(bool_and(pg_visible_in_snapshot(
                           (CASE WHEN floor(n.next / 4294967296) * 4294967296 + w > n.next
                                 THEN (floor(n.next / 4294967296) - 1) * 4294967296 + w
                                 ELSE floor(n.next / 4294967296) * 4294967296 + w END)::text::xid8, n.snap)), true) AS ok
                FROM now_ n, unnest($8::int8[]) AS w
            ), inserted AS (
                INSERT INTO cutover.change_log (source_table, op, old_key, new_key, created_at)
                SELECT t, o::"char", NULLIF(ok, '')::jsonb, NULLIF(nk, '')::jsonb, to_timestamp(ts)
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[]) WITH ORDINALITY AS u(t, o, ok, nk, ts, n)
                WHERE (SELECT ready.ok FROM ready)
                ORDER BY n
                RETURNING 1
            ), position AS (
                UPDATE cutover.capture_relay
                SET relayed_lsn = greatest(relayed_lsn, $6::pg_lsn), relayed_at = now(),
                    relayed_changes = relayed_changes + (SELECT count(*) FROM inserted)
                WHERE slot_name = $7 AND (SELECT ready.ok FROM ready)
                RETURNING 1
            )
            SELECT (SELECT ready.ok FROM ready), (SELECT count(*) FROM position)::int,
                   CASE WHEN (SELECT count(*) FROM inserted) > 0 THEN pg_notify('\(CaptureSQL.channel)', '') END IS NULL
            """
        var attempts = 0
        while true {
            let rows = try await sql.checkedQuery(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger, doing: "relaying captured changes")
            var ready = false
            var updated = 0
            for try await (ok, n, _) in rows.decode((Bool, Int, Bool).self) {
                ready = ok
                updated = n
            }
            if ready {
                guard updated == 1 else {
                    throw DatabaseError(.captureNotReady, "cutover.capture_relay has no row for slot \(slot); run `cutover init` (it creates the slot and its row)")
                }
                break
            }
            attempts += 1
            if attempts == 1000 { logger.warning("relayed transactions are still not visible after 1000 attempts; waiting on") }
            try await Task.sleep(for: .milliseconds(1))
        }
        if !tables.isEmpty { wakeAll() }
        metrics.changes.increment(by: tables.count)
        metrics.transactions.increment(by: transactions.count)
        metrics.batches.recordNanoseconds(Int64((ContinuousClock.now - start).seconds * 1e9))
        metrics.lag.record(max(0, Date().timeIntervalSince1970 - last.commitTimeSince1970))
        return last.endLSN
    }

    /// Records that the relay has seen everything up to `position` and held no captured change
    /// back (nothing open, nothing unwritten): the same position it confirms to the slot.
    func heartbeat(sql: PostgresConnection, slot: String, position: LSN) async throws {
        var binds = PostgresBindings()
        binds.append(position.description)
        binds.append(slot)
        _ = try await sql.checkedQuery(PostgresQuery(unsafeSQL: """
            UPDATE cutover.capture_relay SET relayed_lsn = greatest(relayed_lsn, $1::pg_lsn), relayed_at = now() WHERE slot_name = $2
            """, binds: binds), logger: logger, doing: "recording the relay's position")
    }

    /// The slot for this database, created if missing or invalidated (`true` then).
    func ensureSlot(_ sql: PostgresConnection) async throws -> (String, Bool) {
        let rows: PostgresRowSequence
        do {
            var mode: String?
            for try await text in try await sql.checkedQuery("SELECT cutover.capture_mode()", logger: logger, doing: "reading the capture mode")
                .decode(String?.self) { mode = text }
            guard mode == "wal" else {
                throw DatabaseError(.captureNotReady, mode == "triggers"
                    ? "this database captures with triggers, which write the change log themselves; nothing to relay"
                    : "change capture is not set up in this database (run `cutover init`)")
            }
            rows = try await sql.checkedQuery("SELECT slot_name, created FROM cutover.ensure_capture_slot()", logger: logger, doing: "setting up the capture slot")
        } catch let error as DatabaseError where error.sqlState != nil {
            let state = error.sqlState
            let message = error.message
            if state == "42883" || state == "42P01" || state == "3F000" {
                throw DatabaseError(.captureNotReady, "the engine schema is not installed in this database (run `cutover init`)")
            }
            throw DatabaseError(.captureNotReady, "cannot set up the capture slot: \(message)", sqlState: state)
        }
        for try await (slot, created) in rows.decode((String, Bool).self) { return (slot, created) }
        throw DatabaseError(.captureNotReady, "cutover.ensure_capture_slot() returned nothing")
    }

    func relayedPosition(_ sql: PostgresConnection, slot: String) async throws -> LSN {
        let rows = try await sql.checkedQuery("SELECT relayed_lsn::text FROM cutover.capture_relay WHERE slot_name = \(slot)", logger: logger, doing: "setting up the capture slot")
        for try await text in rows.decode(String.self) { return LSN(text) ?? .zero }
        return .zero
    }
}
