import CutoverCore
import CutoverPostgres
import Logging
import PostgresNIO
import ServiceLifecycle

/// The projector as a swift-service-lifecycle `Service`: the capture relay (WAL -> change log),
/// one LISTEN loop, one worker per projection (each behind its lease), and a pruner. On graceful shutdown every worker finishes
/// its current batch (one transaction: applied whole or not at all) and releases its lease.
public struct ProjectorService: Service {
    public let projections: [ProjectionDefinition]
    public let target: DatabaseTarget
    public let settings: ProjectorSettings
    public let logger: Logger

    public init(projections: [ProjectionDefinition], target: DatabaseTarget, settings: ProjectorSettings, logger: Logger) {
        self.projections = projections
        self.target = target
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let workers = projections.map { ProjectionWorker(projection: $0, target: target, settings: settings, logger: logger) }
        let listener = ChangeListener(target: target, wakeAll: { for w in workers { w.signal() } }, logger: logger)
        let pruner = ChangeLogPruner(target: target, interval: settings.pruneInterval, logger: logger)
        let relay = CaptureRelay(projections: projections, target: target, settings: settings,
                                 wakeAll: { for w in workers { w.signal() } }, logger: logger)
        logger.info("projector starting", metadata: ["projections": "\(projections.map(\.name).joined(separator: ","))"])
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { background in
                background.addTask { await listener.run() }
                background.addTask { await pruner.run() }
                if settings.runsCaptureRelay { background.addTask { await relay.run() } }
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for worker in workers { group.addTask { try await worker.run() } }
                        do {
                            try await group.waitForAll()
                        } catch {
                            for worker in workers { worker.stop() }
                            throw error
                        }
                    }
                } catch {
                    relay.stop()
                    background.cancelAll()
                    throw error
                }
                relay.stop()
                background.cancelAll()
            }
        } onGracefulShutdown: {
            logger.info("projector stopping after the current batches")
            relay.stop()
            for worker in workers { worker.stop() }
        }
        logger.info("projector stopped")
    }
}

extension ProjectionWorker {
    func signal() { wakeup.signal() }
}
