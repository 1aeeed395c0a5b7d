import CutoverCore

/// The error type of the PostgreSQL adapter: a stable code, a message for people and context.
///
/// Messages never contain passwords. Server error text is kept for operators (CLI, logs) but the
/// HTTP layer maps these codes to problem responses without passing `PSQLError` text to clients.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case unreachable = "db.unreachable"
        case authenticationFailed = "db.authentication_failed"
        case databaseMissing = "db.database_missing"
        case serverError = "db.server_error"
        case lockTimeout = "db.lock_timeout"
        /// A statement ran past its `statement_timeout` (SQLSTATE 57014) and was cancelled.
        case statementTimeout = "db.statement_timeout"
        case migrationLockBusy = "migrate.lock_busy"
        case migrationFailed = "migrate.statement_failed"
        case migrationsFolderMissing = "migrate.folder_missing"
        case seedFailed = "seed.failed"
        case binariesMissing = "dev.binaries_missing"
        case portInUse = "dev.port_in_use"
        case dataDirectoryForeign = "dev.data_directory_foreign"
        case dataDirectoryIncomplete = "dev.data_directory_incomplete"
        case clusterCommandFailed = "dev.command_failed"
        case clusterNotInitialized = "dev.not_initialized"
        case clusterNotRunning = "dev.not_running"
        case configFileUnreadable = "config.unreadable"
        // MARK: backfill
        case backfillLockBusy = "backfill.lock_busy"
        case backfillDefinitionChanged = "backfill.definition_changed"
        case backfillModeChanged = "backfill.mode_changed"
        case backfillBatchFailed = "backfill.batch_failed"
        case backfillsFolderUnreadable = "backfill.folder_unreadable"
        // MARK: flags
        /// The engine's flags tables are missing (`cutover init`).
        case flagsNotInstalled = "flags.not_installed"
        // MARK: capture
        /// The logical replication stream of change capture failed (connect, slot, protocol).
        case replicationFailed = "capture.replication_failed"
        /// Change capture is not installed or cannot work here (wal_level, publication, slot).
        case captureNotReady = "capture.not_ready"
        /// Which tables are captured does not match the projections (`cutover projections apply`).
        case captureMismatch = "capture.mismatch"
        // MARK: engine schema
        /// Schema `cutover` is not installed in the database (`cutover init`).
        case engineNotInstalled = "engine.not_installed"
        /// The installed engine schema is older than this binary (`cutover upgrade`).
        case engineOutdated = "engine.outdated"
        /// The installed engine schema is newer than this binary: use a newer binary.
        case engineNewer = "engine.newer_than_binary"
        /// Another `init` or `upgrade` holds the engine's lock.
        case engineLockBusy = "engine.lock_busy"
        /// `init` cannot install here (wal_level, REPLICATION, another capture mode installed).
        case engineInstallRefused = "engine.install_refused"
        // MARK: projector
        /// `cutover projector wait` ran out of time before the read models caught up.
        case notCaughtUp = "projector.not_caught_up"
    }

    public var code: Code
    public var message: String
    public var context: [String: String]
    /// The SQLSTATE of a server error, if any.
    public var sqlState: String?

    public init(_ code: Code, _ message: String, context: [String: String] = [:], sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.sqlState = sqlState
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
