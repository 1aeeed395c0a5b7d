import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import PostgresNIO

/// Projector keys/s draining a backlog, against the raw recompute statement run in a loop on the
/// same keys in batches of the same size (the anchor).
struct ProjectorThroughputScenario {
    let context: BenchContext

    func run() async throws -> [BenchFigure] {
        guard let overview = context.projections.first(where: { $0.name == "customer_overview" }) else { return [] }
        let n = context.options.projectorKeys
        let batch = 500
        // Anchor: the upsert-from-select for the same number of random keys, batch by batch.
        let keys = try await Database.withConnection(context.db, logger: context.logger) { c in
            var out: [String] = []
            for try await id in try await c.query(PostgresQuery(unsafeSQL: "SELECT id::text FROM crm.customers ORDER BY md5(id::text) LIMIT \(n)"), logger: context.logger).decode(String.self) {
                out.append(id)
            }
            return out
        }
        context.progress("projector: anchor, raw recompute of \(keys.count) keys in batches of \(batch)")
        // Both sides run while a capture relay streams the slot, as it always does in production: the
        // server decodes every write of the cluster (the recompute's own upserts too) for it.
        let anchorSeconds = try await context.whileRelaying([overview]) {
            try await Task.sleep(for: .seconds(1))  // the relay is streaming
            return try await Database.withConnection(context.db, logger: context.logger) { c in
                var store = ProjectionStore(projection: overview, logger: context.logger)
                try await store.prepare(on: c)
                let start = ContinuousClock.now
                for chunk in stride(from: 0, to: keys.count, by: batch).map({ Array(keys[$0..<min($0 + batch, keys.count)]) }) {
                    try await store.recomputeInTransaction(on: c, keys: chunk)
                }
                return (ContinuousClock.now - start).seconds
            }
        }
        // Cutover: the same keys changed (one change each), then the projector drains the backlog.
        context.progress("projector: \(keys.count) changes, then the projector drains them")
        try await context.exec("UPDATE crm.customers SET updated_at = updated_at + interval '1 second' WHERE id IN (SELECT id FROM crm.customers ORDER BY md5(id::text) LIMIT \(n))")
        var settings = ProjectorSettings(batchSize: batch)
        settings.runsCaptureRelay = false  // the relay below streams throughout
        let service = ProjectorService(projections: [overview], target: context.db, settings: settings, logger: context.logger)
        let admin = ProjectorAdmin(target: context.db, logger: context.logger)
        let since = try await admin.currentWAL()
        // Capture first, as with triggers, whose change-log rows existed when the UPDATE committed:
        // the relay writes the change-log rows (its time is reported, not counted), then keeps
        // streaming while the projector drains them.
        let (relaySeconds, drained) = try await context.whileRelaying([overview]) {
            let relayStart = ContinuousClock.now
            while true {
                let slot = try await admin.captureStatus()
                if let confirmed = slot?.confirmedLSN.flatMap(LSN.init), confirmed >= since { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let relaySeconds = (ContinuousClock.now - relayStart).seconds
            let start = ContinuousClock.now
            let drained = try await withThrowingTaskGroup(of: Double?.self) { inner in
                inner.addTask { try await service.run(); return nil }
                inner.addTask {
                    while true {
                        if try await admin.caughtUp([overview], since: since) { return (ContinuousClock.now - start).seconds }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                var result = 0.0
                for try await value in inner { if let value { result = value; break } }
                inner.cancelAll()
                return result
            }
            return (relaySeconds, drained)
        }
        let cutoverRate = Double(keys.count) / max(drained, 0.001)
        let anchorRate = Double(keys.count) / max(anchorSeconds, 0.001)
        return [BenchFigure(scenario: "projector", figure: "keys/s, \(keys.count) keys, batches of \(batch)", cutover: cutoverRate, anchor: anchorRate,
                            unit: "keys/s", target: "ratio ≥ 0.80",
                            notes: String(format: "projector %.2f s, raw statement %.2f s; the relay wrote the change-log rows before, in %.2f s", drained, anchorSeconds, relaySeconds))]
    }
}
