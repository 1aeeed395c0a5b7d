/// A row of the repeatable-migration history (`cutover.repeatable_history`).
public struct AppliedRepeatable: Sendable, Equatable {
    public var filename: String
    public var checksum: String
    public var appliedBy: String
    public var appliedAt: String

    public init(filename: String, checksum: String, appliedBy: String, appliedAt: String) {
        self.filename = filename
        self.checksum = checksum
        self.appliedBy = appliedBy
        self.appliedAt = appliedAt
    }
}
