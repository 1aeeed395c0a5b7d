import CutoverCore

/// Progress of a migration run, reported to the caller (the CLI prints these).
public enum MigrationEvent: Sendable {
    case waitingForLock(holder: String)
    case lockAcquired
    case nothingToDo
    case started(MigrationFile)
    case statementFinished(MigrationFile, index: Int, of: Int)
    case finished(MigrationFile, milliseconds: Int)
}
