import CutoverCore
import Foundation
import Logging
import PostgresNIO

/// Runs a ``BackfillDefinition``: keyset pagination over the source key, each batch its own
/// short transaction (`SET LOCAL lock_timeout` / `statement_timeout`) that also advances the
/// progress row in `cutover.backfill_progress`, so a crash loses or repeats nothing beyond the
/// batch in flight. A rerun continues from the progress row. One runner per backfill (advisory lock).
public struct BackfillRunner: Sendable {
    /// How to run.
    public struct Options: Sendable {
        /// Rows per batch (nil: the definition's `batch-size`).
        public var batchSize: Int?
        /// Pause after every batch.
        public var throttleMilliseconds: Int = 0
        /// Upper bound on source rows per second (nil: as fast as the batches go).
        public var maxRowsPerSecond: Int?
        /// Work partition by partition in the order of the definition's `partitions` query.
        public var byPartition = false
        /// Forget earlier progress (also of a changed definition) and start from the first key.
        public var restart = false
        /// Attempts per batch when it runs into a lock timeout, deadlock or serialization failure.
        public var maxAttempts = 5

        public init() {}
    }

    public var target: DatabaseTarget
    public var definition: BackfillDefinition
    public var options: Options
    public var logger: Logger

    public init(target: DatabaseTarget, definition: BackfillDefinition, options: Options = Options(), logger: Logger) {
        self.target = target
        self.definition = definition
        self.options = options
        self.logger = logger
    }

    /// The batch size in force.
    public var batchSize: Int { options.batchSize ?? definition.batchSize }

    /// Runs the backfill to the end and returns what this run did. Cancelling the task stops it
    /// between batches (``CancellationError``); the progress row keeps every committed batch.
    @discardableResult
    public func run(progress: @Sendable (BackfillEvent) -> Void = { _ in }) async throws -> BackfillSummary {
        if options.byPartition, definition.partition == nil {
            throw CoreError(.invalidArgument, "backfill \(definition.name) declares no \"-- partition: …\"; run it without --by-territory")
        }
        let connection = try await Database.connect(target, logger: logger)
        do {
            try await BackfillLock.acquire(definition.name, on: connection, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        do {
            let summary = try await runLocked(on: connection, progress: progress)
            try await BackfillLock.release(definition.name, on: connection, logger: logger)
            try? await connection.close()
            return summary
        } catch {
            // Unlock at once when the session still works (a closed session's backend may keep the
            // lock for a moment); closing it releases the lock and rolls back a batch in flight anyway.
            if !connection.isClosed {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                try? await BackfillLock.release(definition.name, on: connection, logger: logger)
            }
            try? await connection.close()
            throw error
        }
    }

    private func runLocked(on connection: PostgresConnection, progress: @Sendable (BackfillEvent) -> Void) async throws -> BackfillSummary {
        let name = definition.name
        if options.restart { try await BackfillProgressStore.delete(name, on: connection, logger: logger) }
        let existing = try await BackfillProgressStore.rows(name, on: connection, logger: logger)
        try checkResumable(existing)
        let queries = BackfillQueries(definition: definition, logger: logger)
        let partitions: [String?] = options.byPartition ? try await queries.partitions(on: connection) : [nil]
        var state: [String: BackfillProgressRow] = [:]
        for row in existing { state[row.partition] = row }
        var rowsLeft: Int64 = 0
        for partition in partitions where state[partition ?? ""]?.status != "finished" {
            try await BackfillProgressStore.create(name, partition: partition ?? "", checksum: definition.checksum, on: connection, logger: logger)
            rowsLeft += try await queries.remaining(after: state[partition ?? ""]?.lastKey, partition: partition, on: connection)
        }
        let alreadyDone = existing.reduce(Int64(0)) { $0 + $1.rowsDone }
        progress(.started(name: name, rowsTotal: alreadyDone + rowsLeft, rowsAlreadyDone: alreadyDone, partitions: partitions.compactMap { $0 }))

        let batch = BackfillBatchExecutor(definition: definition, queries: queries, maxAttempts: options.maxAttempts, logger: logger)
        var run = BackfillProgress(name: name, partition: nil, rowsDone: alreadyDone, rowsTotal: alreadyDone + rowsLeft, rowsChanged: 0, batches: 0,
                                   rowsPerSecond: 0, etaSeconds: nil, longestBatchMilliseconds: 0, lastBatchMilliseconds: 0)
        let start = ContinuousClock.now
        var rowsThisRun: Int64 = 0
        for partition in partitions {
            let key = partition ?? ""
            if state[key]?.status == "finished" { continue }
            if let partition { progress(.partitionStarted(partition)) }
            var lastKey = state[key]?.lastKey
            while true {
                try Task.checkCancellation()
                guard let next = try await queries.nextBatch(after: lastKey, partition: partition, limit: batchSize, on: connection) else {
                    try await BackfillProgressStore.finish(name, partition: key, on: connection, logger: logger)
                    break
                }
                let result = try await batch.run(from: lastKey, to: next.upper, rows: next.rows, partition: partition, on: connection) { attempt, delay, reason in
                    progress(.retrying(attempt: attempt, delayMilliseconds: delay, reason: reason))
                }
                lastKey = next.upper
                rowsThisRun += next.rows
                run.partition = partition
                run.rowsDone += next.rows
                run.rowsTotal = max(run.rowsTotal, run.rowsDone)
                run.rowsChanged += result.changed
                run.batches += 1
                run.lastBatchMilliseconds = result.milliseconds
                run.longestBatchMilliseconds = max(run.longestBatchMilliseconds, result.milliseconds)
                let elapsed = (ContinuousClock.now - start).seconds
                run.rowsPerSecond = elapsed > 0 ? Double(rowsThisRun) / elapsed : 0
                run.etaSeconds = run.rowsPerSecond > 0 ? Double(run.rowsTotal - run.rowsDone) / run.rowsPerSecond : nil
                progress(.batch(run))
                try await pause(rowsThisRun: rowsThisRun, since: start)
            }
        }
        let summary = BackfillSummary(name: name, rowsDone: rowsThisRun, rowsChanged: run.rowsChanged, batches: run.batches,
                                      seconds: (ContinuousClock.now - start).seconds, longestBatchMilliseconds: run.longestBatchMilliseconds)
        logger.debug("backfill finished", metadata: ["backfill": "\(name)", "rows": "\(rowsThisRun)", "batches": "\(run.batches)"])
        progress(.finished(summary))
        return summary
    }

    /// Refuses to continue progress that belongs to another definition or another mode.
    private func checkResumable(_ existing: [BackfillProgressRow]) throws {
        let name = definition.name
        if let stale = existing.first(where: { $0.checksum != definition.checksum }) {
            throw DatabaseError(.backfillDefinitionChanged,
                                "\(definition.filename) changed since backfill \(name) started (checksum \(stale.checksum.prefix(12)) → \(definition.checksum.prefix(12))); its progress (\(existing.reduce(Int64(0)) { $0 + $1.rowsDone }) rows) belongs to the old definition. Restore the file, or rerun with --restart to start over with the new one",
                                context: ["backfill": name, "recorded": stale.checksum, "file": definition.checksum])
        }
        let partitioned = existing.contains { !$0.partition.isEmpty }
        let whole = existing.contains { $0.partition.isEmpty }
        if options.byPartition && whole || !options.byPartition && partitioned {
            let was = partitioned ? "partition by partition (--by-territory)" : "over the whole key range (without --by-territory)"
            throw DatabaseError(.backfillModeChanged,
                                "backfill \(name) was started \(was); rerun it the same way to resume, or add --restart to start over",
                                context: ["backfill": name])
        }
    }

    /// The throttle: a fixed pause per batch and/or a cap on rows per second.
    private func pause(rowsThisRun: Int64, since start: ContinuousClock.Instant) async throws {
        var wait = Double(options.throttleMilliseconds) / 1000
        if let cap = options.maxRowsPerSecond, cap > 0 {
            let due = Double(rowsThisRun) / Double(cap) - (ContinuousClock.now - start).seconds
            wait = max(wait, due)
        }
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) }
    }
}
