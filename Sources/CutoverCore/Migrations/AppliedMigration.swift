/// A row of the migration history (`cutover.schema_history`).
public struct AppliedMigration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var filename: String
    public var phase: MigrationPhase
    public var checksum: String
    /// Who ran it (database user and OS user).
    public var appliedBy: String
    /// When it finished, as ISO-8601 text from the database.
    public var appliedAt: String
    public var durationMilliseconds: Int

    public init(version: Int, name: String, filename: String, phase: MigrationPhase, checksum: String,
                appliedBy: String, appliedAt: String, durationMilliseconds: Int) {
        self.version = version
        self.name = name
        self.filename = filename
        self.phase = phase
        self.checksum = checksum
        self.appliedBy = appliedBy
        self.appliedAt = appliedAt
        self.durationMilliseconds = durationMilliseconds
    }
}
