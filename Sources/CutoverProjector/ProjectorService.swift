import CutoverCore
import CutoverPostgres
import Logging
import PostgresNIO
import ServiceLifecycle

/// The projector as a swift-service-lifecycle `Service`: a nested `ServiceGroup` of the capture
/// relay (WAL -> change log), one LISTEN loop, one worker per projection (each behind its lease)
/// and a pruner.
///
/// Graceful shutdown (the parent group's, or SIGINT/SIGTERM through `cutover project`) reaches
/// every part: the relay writes what it received, every worker finishes its current batch (one
/// transaction: applied whole or not at all) and releases its lease. Whatever has not finished
/// after ``ProjectorSettings/shutdownGracePeriod`` is cancelled, and cancellation closes the
/// part's connections, so the service always returns within seconds.
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
        let ringAll: @Sendable () -> Void = { for worker in workers { worker.doorbell.ring() } }
        let listener = ChangeListener(target: target, wakeAll: ringAll, logger: logger)
        let pruner = ChangeLogPruner(target: target, interval: settings.pruneInterval, logger: logger)
        // Graceful shutdown runs from the last service to the first: the relay writes what it
        // received first, then the workers finish their batches; listener and pruner go last.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: listener, serviceName: "change listener"),
            .init(service: pruner, serviceName: "change-log pruner"),
        ]
        services += workers.map { .init(service: $0, serviceName: "projection worker \($0.projection.name)") }
        if settings.runsCaptureRelay {
            let relay = CaptureRelay(projections: projections, target: target, settings: settings, wakeAll: ringAll, logger: logger)
            services.append(.init(service: relay, serviceName: "capture relay"))
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.maximumGracefulShutdownDuration = settings.shutdownGracePeriod
        logger.info("projector starting", metadata: ["projections": "\(projections.map(\.name).joined(separator: ","))"])
        do {
            try await withGracefulShutdownHandler {
                try await ServiceGroup(configuration: configuration).run()
            } onGracefulShutdown: {
                logger.info("projector stopping after the current batches")
            }
        } catch {
            logger.info("projector stopped", metadata: ["error": "\(error)"])
            throw error
        }
        logger.info("projector stopped")
    }
}
