import CutoverCore
import CutoverPostgres
import CutoverProjector
import CutoverServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// `MetricsSystem.bootstrap` may run once per process: the test process does it here, once.
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = OperationsServer.bootstrapMetrics()
}

@Suite("Operational endpoints", .timeLimit(.minutes(5)))
struct OperationsEndpointTests {
    @Test("/metrics exports the projector's metrics by name; /health/ready follows the database and lag")
    func metricsAndHealth() async throws {
        let registry = TestMetrics.registry
        let db = try await TestCluster.shared.seededDatabase()
        let projections = try ProjectorHarness.projections
        let ready: OperationsServer.ReadinessProbe = {
            do {
                let rows = try await ProjectorAdmin(target: db, logger: TestCluster.logger).status(projections)
                let ok = rows.allSatisfy { $0.installed && $0.lagSeconds < 5 }
                return (ok, ok ? "ok" : "behind")
            } catch { return (false, "database unavailable") }
        }
        let app = OperationsServer.application(host: "127.0.0.1", port: 0, registry: registry, readiness: ready, logger: TestCluster.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)  // nothing built yet
            }
            try await ProjectorHarness.withProjector(db) {
                try await ProjectorHarness.waitUntilCaughtUp(db)
                try await SQL.exec(db, "UPDATE crm.customers SET name = name || ' GmbH' WHERE id = (SELECT min(id) FROM crm.customers)")
                try await ProjectorHarness.waitUntilCaughtUp(db)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                for name in ["cutover_projector_changes_total", "cutover_projector_keys_recomputed_total", "cutover_projector_lag_seconds",
                             "cutover_projector_batch_duration_seconds", "cutover_projector_last_success_timestamp_seconds",
                             "cutover_projector_lease_held"] {
                    #expect(text.contains(name), "missing \(name)")
                }
                #expect(text.contains("projection=\"customer_overview\""))
            }
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
