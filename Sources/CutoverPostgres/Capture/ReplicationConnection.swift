import CLibPQ
import CutoverCore
import Dispatch
import Foundation

/// A logical replication connection (libpq, `replication=database`) streaming one slot with the
/// `pgoutput` plugin. postgres-nio does not speak the replication sub-protocol, so this one
/// connection uses libpq.
///
/// Not thread-safe: one task owns it. libpq's blocking calls (connect, the START_REPLICATION
/// command, waiting for the socket) run on the connection's own dispatch queue, never on the
/// cooperative thread pool.
public final class ReplicationConnection {
    /// libpq's connection pointer, handed to the I/O queue.
    struct Handle: @unchecked Sendable { let raw: OpaquePointer }

    /// What the server sent.
    public enum Event: Sendable {
        /// One decoded message of a transaction (`walEnd`: the server's WAL position when sent).
        case data(start: LSN, walEnd: LSN, payload: [UInt8])
        /// The server's heartbeat; answer with ``sendStatus(flushed:)`` when `replyRequested`.
        case keepalive(walEnd: LSN, replyRequested: Bool)
    }

    let handle: Handle
    let queue: DispatchQueue
    public let slot: String

    private init(handle: Handle, queue: DispatchQueue, slot: String) {
        self.handle = handle
        self.queue = queue
        self.slot = slot
    }

    deinit { PQfinish(handle.raw) }

    /// libpq `key=value` connection string for `url`, as a replication connection.
    static func conninfo(_ url: DatabaseURL, applicationName: String, timeoutSeconds: Double) -> String {
        func quote(_ v: String) -> String {
            "'" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        }
        var parts = [
            "host=\(quote(url.host))", "port=\(url.port)", "user=\(quote(url.user))", "dbname=\(quote(url.database))",
            "replication=database", "application_name=\(quote(applicationName))",
            "connect_timeout=\(max(2, Int(timeoutSeconds.rounded(.up))))", "sslmode=\(quote(url.tls))",
        ]
        if let password = url.password { parts.append("password=\(quote(password))") }
        return parts.joined(separator: " ")
    }

    /// Connects and starts streaming `slot` from its confirmed position, with the tables of
    /// `publication`. Fails with ``DatabaseError/Code/replicationFailed`` (SQLSTATE kept: `55006`
    /// means another process streams the slot).
    public static func start(url: DatabaseURL, slot: String, publication: String, applicationName: String,
                             timeoutSeconds: Double) async throws -> ReplicationConnection {
        let info = conninfo(url, applicationName: applicationName, timeoutSeconds: timeoutSeconds)
        let queue = DispatchQueue(label: "cutover.replication.\(slot)")
        let handle: Handle = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Handle(raw: PQconnectdb(info))) }
        }
        let connection = ReplicationConnection(handle: handle, queue: queue, slot: slot)
        guard PQstatus(handle.raw) == CONNECTION_OK else {
            throw DatabaseError(.replicationFailed, "cannot open the replication connection to \(url.host):\(url.port)/\(url.database): \(connection.lastError)",
                                context: ["slot": slot])
        }
        let command = "START_REPLICATION SLOT \"\(slot)\" LOGICAL 0/0 (proto_version '1', publication_names '\"\(publication)\"')"
        let outcome: (ok: Bool, message: String, sqlState: String?) = await withCheckedContinuation { continuation in
            queue.async {
                let result = PQexec(handle.raw, command)
                defer { PQclear(result) }
                let ok = PQresultStatus(result) == PGRES_COPY_BOTH
                let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
                let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
                continuation.resume(returning: (ok, message, state))
            }
        }
        guard outcome.ok else {
            throw DatabaseError(.replicationFailed, "cannot stream replication slot \(slot): \(outcome.message)",
                                context: ["slot": slot], sqlState: outcome.sqlState)
        }
        guard PQsetnonblocking(handle.raw, 1) == 0 else {
            throw DatabaseError(.replicationFailed, "cannot switch the replication connection to non-blocking: \(connection.lastError)")
        }
        return connection
    }

    var lastError: String {
        String(cString: PQerrorMessage(handle.raw)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The next event, waiting at most `timeoutMilliseconds` for one; `nil` when none arrived.
    public func next(timeoutMilliseconds: Int32) async throws -> Event? {
        if let event = try readBuffered() { return event }
        let fd = PQsocket(handle.raw)
        guard fd >= 0 else { throw DatabaseError(.replicationFailed, "the replication connection is closed") }
        let ready: Int32 = await withCheckedContinuation { continuation in
            queue.async {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                continuation.resume(returning: poll(&pfd, 1, timeoutMilliseconds))
            }
        }
        guard ready > 0 else { return nil }
        guard PQconsumeInput(handle.raw) == 1 else {
            throw DatabaseError(.replicationFailed, "the replication stream broke: \(lastError)")
        }
        return try readBuffered()
    }

    /// One event from what libpq has already received, without waiting.
    func readBuffered() throws -> Event? {
        var buffer: UnsafeMutablePointer<CChar>?
        let length = PQgetCopyData(handle.raw, &buffer, 1)
        if length == 0 { return nil }
        if length == -1 {
            throw DatabaseError(.replicationFailed, "the server ended the replication stream: \(finishedStreamMessage())")
        }
        guard length > 0, let buffer else {
            throw DatabaseError(.replicationFailed, "the replication stream broke: \(lastError)")
        }
        defer { PQfreemem(buffer) }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: Int(length))
        func u64(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in at..<(at + 8) { v = v << 8 | UInt64(bytes[i]) }
            return v
        }
        switch bytes[0] {
        case UInt8(ascii: "w") where length >= 25:
            return .data(start: LSN(u64(1)), walEnd: LSN(u64(9)), payload: Array(bytes[25...]))
        case UInt8(ascii: "k") where length >= 18:
            return .keepalive(walEnd: LSN(u64(1)), replyRequested: bytes[17] != 0)
        default:
            throw DatabaseError(.replicationFailed, "unexpected replication message '\(UnicodeScalar(bytes[0]))' of \(length) bytes")
        }
    }

    private func finishedStreamMessage() -> String {
        guard let result = PQgetResult(handle.raw) else { return lastError }
        defer { PQclear(result) }
        let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? lastError : message
    }

    /// Standby status update: everything up to `flushed` is durably relayed, so the slot may
    /// confirm it and PostgreSQL may recycle the WAL before it.
    public func sendStatus(flushed: LSN) throws {
        var message = [UInt8(ascii: "r")]
        let now = UInt64(max(0, (Date().timeIntervalSince1970 - 946_684_800) * 1_000_000))
        for value in [flushed.value, flushed.value, flushed.value, now] {
            for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        message.append(0)
        let sent = message.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { PQputCopyData(handle.raw, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1 else { throw DatabaseError(.replicationFailed, "cannot send the replication status: \(lastError)") }
        // Non-blocking: the rest of a partial send goes out with the next call.
        guard PQflush(handle.raw) >= 0 else { throw DatabaseError(.replicationFailed, "cannot send the replication status: \(lastError)") }
    }
}
