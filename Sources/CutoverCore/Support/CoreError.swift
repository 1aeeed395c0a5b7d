/// The error type of the core library: a stable machine-readable code, a human message and context.
///
/// Codes never change once released; tools and tests match on ``code``, people read ``message``.
public struct CoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable identifiers for every failure the core library reports.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        case malformedMigrationName = "migration.malformed_name"
        case malformedMigrationHeader = "migration.malformed_header"
        case duplicateMigrationVersion = "migration.duplicate_version"
        case checksumDrift = "migration.checksum_drift"
        case appliedMigrationMissing = "migration.applied_file_missing"
        case outOfOrderMigration = "migration.out_of_order"
        case unterminatedSQL = "sql.unterminated"
        case invalidDatabaseURL = "config.invalid_database_url"
        case invalidConfigValue = "config.invalid_value"
        case unknownConfigKey = "config.unknown_key"
        case malformedConfigFile = "config.malformed_file"
        case invalidArgument = "argument.invalid"
        case invalidProjection = "projection.invalid"
        // MARK: migrator
        case nothingToRollBack = "migration.nothing_to_roll_back"
        case irreversibleMigration = "migration.irreversible"
        case missingRollback = "migration.missing_rollback"
        case unnumberedMigration = "migration.unnumbered"
        case blackout = "migration.blackout"
        case guardNotMet = "migration.guard_not_met"
        case resumeMismatch = "migration.resume_mismatch"
        case malformedCalendar = "calendar.malformed"
        // MARK: lint
        /// A file given to `cutover migrate lint` cannot be read or is not UTF-8 text.
        case lintInputUnreadable = "lint.unreadable_input"
        /// Pending migrations with lint errors: `migrate up` refuses them as `migrate plan` reports them.
        case lintErrors = "migration.lint_errors"
        // MARK: backfill
        case unknownBackfill = "backfill.unknown"
        case unknownBackfillDirective = "backfill.unknown_directive"
        case missingBackfillDirective = "backfill.missing_directive"
        case invalidBackfillDirective = "backfill.invalid_directive"
        case backfillPlaceholder = "backfill.placeholder"
        case backfillStatementCount = "backfill.statement_count"
        // MARK: flags
        /// No flag of that name exists.
        case unknownFlag = "flag.unknown"
        /// A flag change names an unknown state or module, or a bad percentage.
        case invalidFlagChange = "flag.invalid_change"
        /// A `-- guard:` line of a migration does not parse.
        case malformedGuard = "migration.malformed_guard"
        // MARK: capture
        /// A message of the logical replication stream does not parse (truncated, unknown relation …).
        case malformedReplicationMessage = "capture.malformed_message"
        // MARK: views
        /// A read view's declaration is malformed, or does not fit the database.
        case invalidView = "view.invalid"
    }

    /// The stable code.
    public var code: Code
    /// A sentence for people, naming the thing that is wrong and, where possible, how to fix it.
    public var message: String
    /// Extra facts (file, key, version …) for logs and machine consumers.
    public var context: [String: String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
