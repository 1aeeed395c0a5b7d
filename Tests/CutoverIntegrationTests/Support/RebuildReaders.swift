import CutoverPostgres
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Readers that count a territory's rows through `read.customer_overview` as the API's role does,
/// as fast as they can, recording errors and empty answers (a rebuild must cause neither).
struct RebuildReaders: Sendable {
    let target: DatabaseTarget
    let stop: StopFlag

    struct Seen: Sendable {
        var reads = 0
        var emptyReads = 0
        var errors: [String] = []
    }

    init(target: DatabaseTarget, stop: StopFlag) {
        self.target = target
        self.stop = stop
    }

    func run(readers: Int = 2) async throws -> Seen {
        try await withThrowingTaskGroup(of: Seen.self) { group in
            for _ in 0..<readers {
                group.addTask {
                    var seen = Seen()
                    let c = try await Database.connect(target, logger: TestCluster.logger)
                    defer { Task { try? await c.close() } }
                    while !stop.isSet {
                        do {
                            try await c.query("BEGIN", logger: TestCluster.logger)
                            try await c.query("SET LOCAL ROLE cutover_reader", logger: TestCluster.logger)
                            try await c.query("SELECT set_config('cutover.territories', 'DE-BY,DE-BW,DE-BE,DE-HH,DE-NW,DE-HE,AT-W,CH-ZH', true)", logger: TestCluster.logger)
                            var n = 0
                            for try await count in try await c.query("SELECT count(*) FROM read.customer_overview", logger: TestCluster.logger).decode(Int.self) { n = count }
                            try await c.query("COMMIT", logger: TestCluster.logger)
                            seen.reads += 1
                            if n == 0 { seen.emptyReads += 1 }
                        } catch {
                            seen.errors.append(String(reflecting: error))
                            _ = try? await c.query("ROLLBACK", logger: TestCluster.logger)
                        }
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    return seen
                }
            }
            var all = Seen()
            for try await s in group {
                all.reads += s.reads
                all.emptyReads += s.emptyReads
                all.errors += s.errors
            }
            return all
        }
    }
}

/// A flag one task sets and others poll.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
