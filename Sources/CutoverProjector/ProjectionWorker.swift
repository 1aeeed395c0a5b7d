import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps one projection current: holds its lease (a session advisory lock, so a dead process
/// loses it at once), installs it if needed, then runs batches whenever its doorbell rings,
/// polling briefly after each wake-up and on a slow fallback timer.
///
/// A service of the projector's group: on graceful shutdown it finishes its current batch (one
/// transaction, applied whole or not at all) and returns; on cancellation its connection is
/// closed, so a batch in flight ends at once (and is rolled back, to be applied again later).
final class ProjectionWorker: Service, Sendable {
    let projection: ProjectionDefinition
    let target: DatabaseTarget
    let settings: ProjectorSettings
    let doorbell = WorkerDoorbell()
    let logger: Logger
    let metrics: ProjectorMetrics

    init(projection: ProjectionDefinition, target: DatabaseTarget, settings: ProjectorSettings, logger: Logger) {
        self.projection = projection
        self.target = target
        self.settings = settings
        var logger = logger
        logger[metadataKey: "projection"] = "\(projection.name)"
        self.logger = logger
        self.metrics = ProjectorMetrics(projection: projection.name)
    }

    /// Graceful shutdown was triggered or the task was cancelled.
    var isStopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Runs until graceful shutdown or cancellation: connect, take the lease, work; on any
    /// connection failure back off and start over. A broken projection definition
    /// (``CoreError``) is not retried: it is thrown.
    func run() async throws {
        // The ticker lets waits notice their deadlines; it ends with the worker.
        try await withThrowingTaskGroup(of: Void.self) { ticker in
            ticker.addTask { [doorbell, settings] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: settings.pollAfterWakeup)
                    doorbell.tick()
                }
            }
            defer { ticker.cancelAll() }
            var waiter = WorkerDoorbell.Waiter(doorbell)
            try await withGracefulShutdownHandler {
                try await runLoop(&waiter)
            } onGracefulShutdown: { [doorbell] in
                doorbell.close()
            }
        }
    }

    private func runLoop(_ waiter: inout WorkerDoorbell.Waiter) async throws {
        var backoff = Duration.milliseconds(100)
        while !isStopping {
            do {
                logger.debug("connecting")
                let connection = try await Database.connect(target, logger: logger)
                logger.debug("connected")
                do {
                    try await connection.closingOnCancellation { try await work(on: connection, waiter: &waiter) }
                    try? await connection.close()
                } catch {
                    logger.debug("work failed; closing", metadata: ["error": "\(error)"])
                    try? await connection.close()
                    throw error
                }
                backoff = .milliseconds(100)
            } catch let swap as ProjectionStore.Swapped {
                // A newer version is live (deployed through `cutover rebuild`): this process's
                // definition is outdated. Never write over it; leave the lease to up-to-date processes.
                metrics.leaseHeld.record(0)
                logger.error("a newer version of this projection is live; this process has an outdated definition and stops maintaining it (restart it with the current projections/)",
                             metadata: ["live_version": "\(swap.version)", "own_version": "\(projection.version)", "live_table": "\(swap.table)"])
                while await waiter.wait(for: .seconds(60)) != .closed {}
                break
            } catch let rebuilding as ProjectionStore.RebuildInProgress {
                metrics.leaseHeld.record(0)
                logger.notice("`cutover rebuild` is building this version; waiting for its swap", metadata: ["projection": "\(rebuilding.projection)"])
                if await waiter.wait(for: .seconds(2)) == .closed { break }
            } catch let error as CoreError {
                metrics.leaseHeld.record(0)
                logger.error("projection definition rejected by the database", metadata: ["error": "\(error.message)"])
                throw error
            } catch {
                metrics.leaseHeld.record(0)
                if isStopping { break }
                logger.warning("projector worker failed; reconnecting", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
                if await waiter.wait(for: backoff) == .closed { break }
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        metrics.leaseHeld.record(0)
    }

    private func work(on connection: PostgresConnection, waiter: inout WorkerDoorbell.Waiter) async throws {
        // 0. The read tables are derived data and every batch commits its rows together with its
        // checkpoint: a crash can lose only the last batches whole, and they are simply applied again.
        // So batches need not wait for the WAL flush (which would also compete with the writers').
        _ = try await connection.checkedQuery("SET synchronous_commit = off", logger: logger, doing: "configuring the session")
        // 1. Lease.
        while !isStopping {
            if connection.isClosed { throw DatabaseError(.unreachable, "lease connection closed") }
            let rows = try await connection.checkedQuery(PostgresQuery(unsafeSQL:
                "SELECT pg_try_advisory_lock(\(ProjectionStore.lockClass), hashtext('lease:' || '\(projection.name)'))"), logger: logger, doing: "taking the projection lease")
            var held = false
            for try await value in rows.decode(Bool.self) { held = value }
            if held { break }
            metrics.leaseHeld.record(0)
            if await waiter.wait(for: settings.leaseRetry) == .closed { return }
        }
        if isStopping { return }
        metrics.leaseHeld.record(1)
        logger.info("lease acquired")

        // 2. Install or adopt.
        var store = ProjectionStore(projection: projection, logger: logger)
        let start = ContinuousClock.now
        if try await store.installIfNeeded(on: connection) {
            logger.notice("projection built", metadata: ["ms": "\(start.millisecondsElapsed)"])
        }

        // 3. Batches. A coalescing projection (minIntervalMs) maps many changes to few keys (all orders
        // of a territory to that territory), so its batches may read many more changes.
        let limit = projection.minIntervalMilliseconds > 0 ? settings.batchSize * 20 : settings.batchSize
        var pollUntil = ContinuousClock.now + settings.pollAfterWakeup * 3
        while !isStopping {
            let batchStart = ContinuousClock.now
            logger.trace("batch starting")
            let outcome: ProjectionStore.BatchOutcome
            do {
                outcome = try await store.runBatch(on: connection, limit: limit)
            } catch let swap as ProjectionStore.Swapped where swap.version == projection.version {
                // Same definition, fresh table (a rebuild of this version): follow it.
                logger.notice("a rebuild swapped in a fresh table; following it", metadata: ["table": "\(swap.table)"])
                try await store.follow(swap.table, on: connection)
                continue
            }
            record(outcome, started: batchStart)
            if outcome.changes > 0 || outcome.rebuilt {
                pollUntil = ContinuousClock.now + settings.pollAfterWakeup * 3
            }
            if outcome.moreInRange || outcome.rebuilt { continue }
            if projection.minIntervalMilliseconds > 0, outcome.changes > 0 {
                // Coalesce: let changes collect until the interval has passed since this batch began.
                let until = batchStart + .milliseconds(projection.minIntervalMilliseconds)
                while ContinuousClock.now < until {
                    if await waiter.wait(until: until) == .closed { return }
                }
                continue
            }
            // Recently active: poll again shortly so a commit whose NOTIFY was throttled is not
            // left waiting; otherwise on the slow fallback timer.
            let wait = ContinuousClock.now < pollUntil ? settings.pollAfterWakeup : settings.fallbackPoll
            switch await waiter.wait(for: wait) {
            case .closed: return
            case .rung: pollUntil = ContinuousClock.now + settings.pollAfterWakeup * 3
            case .timedOut: break
            }
        }
    }

    private func record(_ outcome: ProjectionStore.BatchOutcome, started: ContinuousClock.Instant) {
        if outcome.changes > 0 || outcome.rebuilt {
            metrics.batchDuration.recordNanoseconds(Int64((ContinuousClock.now - started).seconds * 1e9))
            metrics.changes.increment(by: outcome.changes)
            metrics.keys.increment(by: outcome.keys)
            if outcome.deadLettered > 0 { metrics.deadLetters.increment(by: outcome.deadLettered) }
            if outcome.rebuilt { metrics.rebuilds.increment() }
            logger.debug("batch", metadata: ["changes": "\(outcome.changes)", "keys": "\(outcome.keys)", "ms": "\(started.millisecondsElapsed)"])
        }
        metrics.lag.record(outcome.moreInRange ? (outcome.oldestChangeAgeSeconds ?? 0) : 0)
        metrics.lastSuccess.record(Date().timeIntervalSince1970)
    }
}
