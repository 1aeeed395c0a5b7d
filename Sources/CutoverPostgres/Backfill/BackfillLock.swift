import Logging
import PostgresNIO

/// One runner per backfill: a session-level advisory lock on (``classKey``, hashtext(name)).
/// Released by ``release(_:on:logger:)`` or when the session ends (a killed runner included).
public enum BackfillLock {
    /// The first half of every backfill's advisory lock key ("bakf"); the second is hashtext(name).
    public static let classKey: Int32 = 0x6261_6b66

    /// Takes the lock or throws ``DatabaseError/Code/backfillLockBusy`` naming the session that holds it.
    static func acquire(_ name: String, on connection: PostgresConnection, logger: Logger) async throws {
        // A runner that has just stopped may hold the lock a moment longer (its backend ends after
        // the socket closes): try for a second before refusing.
        var got = false
        let deadline = ContinuousClock.now + .seconds(1)
        while true {
            for try await value in try await connection.checkedQuery("SELECT pg_try_advisory_lock(\(classKey), hashtext(\(name)))", logger: logger,
                                                                     doing: "taking the lock of backfill \(name)").decode(Bool.self) {
                got = value
            }
            if got || ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        guard got else {
            let holder = try await holder(name, on: connection, logger: logger) ?? "a session that has just ended; retry"
            throw DatabaseError(.backfillLockBusy,
                                "backfill \(name) is already running (\(holder)); one runner per backfill. Wait for it, or stop it and rerun to resume",
                                context: ["backfill": name, "holder": holder])
        }
    }

    static func release(_ name: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.checkedQuery("SELECT pg_advisory_unlock(\(classKey), hashtext(\(name)))", logger: logger, doing: "releasing the lock of backfill \(name)")
    }

    /// Who holds the lock of `name`, if anybody: pid, application, user and since when.
    public static func holder(_ name: String, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let literal = "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
        return try await AdvisoryLockHolder.describe(connection, key: .pair(classKey, objectSQL: "hashtext(\(literal))"), logger: logger)
    }
}
