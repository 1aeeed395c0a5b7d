/// Where a running backfill stands, reported after every batch.
public struct BackfillProgress: Sendable, Equatable {
    /// The backfill's name.
    public var name: String
    /// The partition being worked on, or nil for a backfill over the whole key range.
    public var partition: String?
    /// Source rows covered so far, earlier runs included.
    public var rowsDone: Int64
    /// Source rows in total (rows done plus the rows left when this run started).
    public var rowsTotal: Int64
    /// Rows the statement changed in this run.
    public var rowsChanged: Int64
    /// Batches committed in this run.
    public var batches: Int
    /// Source rows per second in this run.
    public var rowsPerSecond: Double
    /// Seconds left at the current rate, if it is known.
    public var etaSeconds: Double?
    /// The longest batch transaction of this run (BEGIN to COMMIT): the longest any lock taken by a batch was held.
    public var longestBatchMilliseconds: Double
    /// The last batch's transaction.
    public var lastBatchMilliseconds: Double

    /// Done as a fraction of the total (1 when there is nothing to do).
    public var fraction: Double { rowsTotal > 0 ? min(1, Double(rowsDone) / Double(rowsTotal)) : 1 }
}

/// What a run reports while it works.
public enum BackfillEvent: Sendable {
    /// The run holds the backfill's lock and knows how much there is to do.
    case started(name: String, rowsTotal: Int64, rowsAlreadyDone: Int64, partitions: [String])
    /// A partition begins (only with `byPartition`).
    case partitionStarted(String)
    /// A batch committed.
    case batch(BackfillProgress)
    /// A batch ran into a lock (or deadlock) and is retried after a pause.
    case retrying(attempt: Int, delayMilliseconds: Int, reason: String)
    /// Everything is done.
    case finished(BackfillSummary)
}

/// The result of a run.
public struct BackfillSummary: Sendable, Equatable {
    public var name: String
    /// Source rows covered by this run.
    public var rowsDone: Int64
    /// Rows the statement changed in this run.
    public var rowsChanged: Int64
    public var batches: Int
    public var seconds: Double
    /// The longest batch transaction (BEGIN to COMMIT), the longest a batch held any lock.
    public var longestBatchMilliseconds: Double
    /// Source rows covered per second.
    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsDone) / seconds : 0 }
}
