import CutoverCore
import Logging
import PostgresNIO

/// The engine version a database has, and the check every command that needs the engine runs on
/// connect: a missing or older engine names the command to run; a newer one is refused.
public struct EngineVersionCheck: Sendable {
    public struct State: Sendable, Equatable {
        /// 0: not installed.
        public var version: Int
        /// The binary that installed the latest step.
        public var installedBy: String?
        public var captureMode: String?
    }

    public var logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func state(_ connection: PostgresConnection) async throws -> State {
        var present = false
        for try await exists in try await connection.checkedQuery("SELECT to_regclass('cutover.engine_version') IS NOT NULL", logger: logger,
                                                                   doing: "reading the engine version").decode(Bool.self) { present = exists }
        guard present else { return State(version: 0) }
        let rows = try await connection.checkedQuery("""
            SELECT coalesce(max(version), 0)::int8,
                   (SELECT v.binary_version FROM cutover.engine_version v ORDER BY v.version DESC LIMIT 1),
                   (SELECT s.value FROM cutover.settings s WHERE s.key = 'capture.mode')
            FROM cutover.engine_version
            """, logger: logger, doing: "reading the engine version")
        for try await (version, binary, mode) in rows.decode((Int64, String?, String?).self) {
            return State(version: Int(version), installedBy: binary, captureMode: mode)
        }
        return State(version: 0)
    }

    /// Throws unless the database has exactly this binary's engine version (and a capture mode).
    public func require(_ connection: PostgresConnection, database: String) async throws {
        let state = try await state(connection)
        if state.version == 0 {
            throw DatabaseError(.engineNotInstalled,
                                "Cutover's engine schema is not installed in database \(database); run `cutover init` (with --capture triggers on a server without wal_level = logical)")
        }
        if state.version > EngineSchema.version { throw Self.newerError(state, database: database) }
        if state.version < EngineSchema.version {
            throw DatabaseError(.engineOutdated,
                                "the engine schema in database \(database) is version \(state.version); this binary needs version \(EngineSchema.version). Run `cutover upgrade` (`cutover upgrade --dry-run` lists the steps)")
        }
        if state.captureMode == nil {
            throw DatabaseError(.engineNotInstalled, "`cutover init` did not finish in database \(database) (no capture mode recorded); run `cutover init` again")
        }
    }

    /// Connects, checks and closes: for commands that check before their own work.
    public static func require(_ target: DatabaseTarget, logger: Logger) async throws {
        try await Database.withConnection(target, logger: logger) { connection in
            try await EngineVersionCheck(logger: logger).require(connection, database: target.url.database)
        }
    }

    static func newerError(_ state: State, database: String) -> DatabaseError {
        DatabaseError(.engineNewer,
                      "the engine schema in database \(database) is version \(state.version), newer than this binary's version \(EngineSchema.version)"
                      + (state.installedBy.map { " (installed by cutover \($0))" } ?? "") + "; use that cutover binary or a newer one. Nothing was changed")
    }
}

extension EngineVersionCheck {
    /// Whether this database captures through the WAL (`cutover init --capture wal`); false before
    /// `init` and with trigger capture.
    public static func capturesWAL(_ connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.checkedQuery("""
            SELECT to_regclass('cutover.settings') IS NOT NULL
            """, logger: logger, doing: "reading the capture mode")
        var installed = false
        for try await present in rows.decode(Bool.self) { installed = present }
        guard installed else { return false }
        for try await wal in try await connection.checkedQuery("SELECT EXISTS (SELECT 1 FROM cutover.settings WHERE key = 'capture.mode' AND value = 'wal')",
                                                               logger: logger, doing: "reading the capture mode").decode(Bool.self) { return wal }
        return false
    }
}
