import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import ServiceLifecycle

extension BenchContext {
    /// Runs `body` while a capture relay streams the slot (as one always does beside a production
    /// projector), then shuts the relay down gracefully (it writes what it had).
    func whileRelaying<T: Sendable>(_ projections: [ProjectionDefinition], on target: DatabaseTarget? = nil,
                                     _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let relay = CaptureRelay(projections: projections, target: target ?? db, settings: ProjectorSettings(), wakeAll: {}, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [relay], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            do {
                let result = try await body()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}
