/// The phase a migration belongs to, in the expand → migrate → contract order (as in pgroll).
public enum MigrationPhase: String, Sendable, CaseIterable, Comparable, Codable {
    /// Additive changes only: new tables, shadow tables, triggers, nullable columns, indexes.
    case expand
    /// Batched, resumable data movement (backfills) between old and new structures.
    case migrate
    /// Removal of legacy paths; only allowed once its guards hold.
    case contract

    private var rank: Int {
        switch self {
        case .expand: 0
        case .migrate: 1
        case .contract: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
