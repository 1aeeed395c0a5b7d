import CutoverPostgres
import Synchronization

/// The events of a run, collected from its progress callback.
final class BackfillEventLog: Sendable {
    private let events = Mutex<[BackfillEvent]>([])

    func append(_ event: BackfillEvent) { events.withLock { $0.append(event) } }

    var batches: [BackfillProgress] {
        events.withLock { $0.compactMap { if case .batch(let p) = $0 { p } else { nil } } }
    }

    var partitions: [String] {
        events.withLock { $0.compactMap { if case .partitionStarted(let p) = $0 { p } else { nil } } }
    }

    var started: (rowsTotal: Int64, rowsAlreadyDone: Int64)? {
        events.withLock { list in
            for case .started(_, let total, let done, _) in list { return (total, done) }
            return nil
        }
    }
}
