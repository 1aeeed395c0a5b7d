import CutoverCore
import Logging
import PostgresNIO

/// What the database knows about a backfill: its progress rows and the session running it.
public struct BackfillState: Sendable {
    public var name: String
    public var progress: [BackfillProgressRow]
    /// The session holding the backfill's lock, if one runs it now.
    public var holder: String?
    /// The definition's checksum on disk, to tell progress of an older definition.
    public var checksum: String?

    /// `not started`, `running`, `interrupted` (progress but nobody runs it), `finished`, or
    /// `definition changed` (the progress belongs to another version of the file).
    public var status: String {
        if progress.isEmpty { return "not started" }
        if let checksum, progress.contains(where: { $0.checksum != checksum }) { return "definition changed" }
        if holder != nil { return "running" }
        return progress.allSatisfy { $0.status == "finished" } ? "finished" : "interrupted"
    }

    public var rowsDone: Int64 { progress.reduce(0) { $0 + $1.rowsDone } }
    public var rowsChanged: Int64 { progress.reduce(0) { $0 + $1.rowsChanged } }
    public var batches: Int64 { progress.reduce(0) { $0 + $1.batches } }
    public var longestBatchMilliseconds: Double { progress.map(\.longestBatchMilliseconds).max() ?? 0 }
}

/// One partition of a dry run: where it stands and what is left.
public struct BackfillPlanEntry: Sendable {
    /// The partition, or nil for the whole key range.
    public var partition: String?
    public var lastKey: Int64?
    public var rowsLeft: Int64
    public var finished: Bool
}

/// Read-only views of backfills for `cutover backfill list|status` and `--dry-run`.
public enum BackfillInspector {
    /// The state of each named backfill (with its definition's checksum where known).
    public static func states(_ definitions: [(name: String, checksum: String?)], target: DatabaseTarget, logger: Logger) async throws -> [BackfillState] {
        try await Database.withConnection(target, logger: logger) { connection in
            let all = try await BackfillProgressStore.rows(nil, on: connection, logger: logger)
            var out: [BackfillState] = []
            for d in definitions {
                out.append(BackfillState(name: d.name, progress: all.filter { $0.name == d.name },
                                         holder: try await BackfillLock.holder(d.name, on: connection, logger: logger), checksum: d.checksum))
            }
            return out
        }
    }

    /// What a run with `byPartition` would do now: partitions in order, rows left in each. Writes nothing.
    public static func plan(_ definition: BackfillDefinition, byPartition: Bool, target: DatabaseTarget, logger: Logger) async throws -> [BackfillPlanEntry] {
        if byPartition, definition.partition == nil {
            throw CoreError(.invalidArgument, "backfill \(definition.name) declares no \"-- partition: …\"; run it without --by-territory")
        }
        return try await Database.withConnection(target, logger: logger) { connection in
            let queries = BackfillQueries(definition: definition, logger: logger)
            let progress = try await BackfillProgressStore.rows(definition.name, on: connection, logger: logger)
                .filter { $0.checksum == definition.checksum }
            let partitions: [String?] = byPartition ? try await queries.partitions(on: connection) : [nil]
            var out: [BackfillPlanEntry] = []
            for partition in partitions {
                let row = progress.first { $0.partition == (partition ?? "") }
                let finished = row?.status == "finished"
                let left = finished ? 0 : try await queries.remaining(after: row?.lastKey, partition: partition, on: connection)
                out.append(BackfillPlanEntry(partition: partition, lastKey: row?.lastKey, rowsLeft: left, finished: finished))
            }
            return out
        }
    }
}
