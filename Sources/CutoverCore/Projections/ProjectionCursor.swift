/// Which change-log rows a projection still has to apply, as a state machine without I/O.
///
/// Rows are final when their transaction is visible in a snapshot. The checkpoint keeps a `base`
/// snapshot (every change visible in it is applied) and works through the range of changes that
/// are visible in a newer `target` snapshot but not in `base`, in id order, `afterID` marking
/// progress inside the range. A transaction that commits late is invisible in the target of its
/// time and therefore still unapplied in the next range: nothing is skipped. A long-running
/// writer only keeps its own rows out of the range; everybody else's changes flow.
public struct ProjectionCursor: Sendable, Equatable {
    /// Text form of `pg_snapshot` (`xmin:xmax:xip,…`).
    public var base: String
    public var target: String?
    public var afterID: Int64

    public init(base: String, target: String? = nil, afterID: Int64 = 0) {
        self.base = base
        self.target = target
        self.afterID = afterID
    }

    /// What the projector does next.
    public enum Action: Sendable, Equatable {
        /// Take `pg_current_snapshot()` as the new target first.
        case takeTargetSnapshot
        /// Read up to `limit` rows not visible in `base`, visible in `target`, with id > `afterID`.
        case fetch(base: String, target: String, afterID: Int64, limit: Int)
    }

    /// The next action for a batch of at most `limit` rows.
    public func nextAction(limit: Int) -> Action {
        guard let target else { return .takeTargetSnapshot }
        return .fetch(base: base, target: target, afterID: afterID, limit: limit)
    }

    /// Records the new target snapshot.
    public mutating func targetTaken(_ snapshot: String) {
        target = snapshot
        afterID = 0
    }

    /// Records a fetched and applied batch: a short batch completes the range (target becomes base).
    public mutating func batchApplied(count: Int, lastID: Int64?, limit: Int) {
        if count < limit {
            if let target { base = target }
            target = nil
            afterID = 0
        } else if let lastID {
            afterID = lastID
        }
    }

    /// After a full rebuild from a snapshot: everything visible in it is applied.
    public mutating func rebuilt(from snapshot: String) {
        base = snapshot
        target = nil
        afterID = 0
    }

    /// Whether the last batch left work in the current range.
    public var isInsideRange: Bool { target != nil && afterID > 0 }
}
