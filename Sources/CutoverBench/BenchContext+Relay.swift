import CutoverCore
import CutoverProjector
import Foundation

extension BenchContext {
    /// Runs `body` while a capture relay streams the slot (as one always does beside a production
    /// projector), then stops the relay after it wrote what it had.
    func whileRelaying<T: Sendable>(_ projections: [ProjectionDefinition], _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let relay = CaptureRelay(projections: projections, target: db, settings: ProjectorSettings(), wakeAll: {}, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await relay.run(); return nil }
            group.addTask { try await body() }
            var result: T?
            do {
                while let next = try await group.next() {
                    if let value = next {
                        result = value
                        relay.stop()
                    }
                }
            } catch {
                relay.stop()
                throw error
            }
            guard let result else { throw CancellationError() }
            return result
        }
    }
}
