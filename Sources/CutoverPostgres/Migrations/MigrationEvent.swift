import CutoverCore

/// Progress of a migration run, reported to the caller (the CLI prints these).
public enum MigrationEvent: Sendable {
    case waitingForLock(holder: String)
    case lockAcquired
    case nothingToDo
    case started(MigrationFile)
    case statementFinished(MigrationFile, index: Int, of: Int)
    case finished(MigrationFile, milliseconds: Int)
    /// A non-transactional file continues after statements that an earlier run completed.
    case resuming(MigrationFile, fromStatement: Int)
    /// `lock_timeout` struck; the file (or statement) is retried after `retryInMilliseconds`.
    case lockTimeout(filename: String, line: Int, attempt: Int, of: Int, retryInMilliseconds: Int)
    /// A blackout period throttles this phase; the run goes on.
    case blackoutThrottle(filename: String, period: String, until: String)
    /// A blackout period denies this phase and the operator overrode it.
    case blackoutOverridden(filename: String, period: String, reason: String)
    /// A contract guard of a pending file was checked.
    case guardChecked(filename: String, GuardResult)
    case repeatableApplied(RepeatableMigration, milliseconds: Int)
    case rolledBack(MigrationFile, milliseconds: Int)
}
