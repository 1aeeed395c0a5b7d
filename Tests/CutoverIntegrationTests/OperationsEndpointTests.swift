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
                // Ready while a projector keeps the read models current (once none runs, the lag
                // of WAL nobody relays grows, and ready turns 503 after api.maxLagSeconds).
                try await client.execute(uri: "/health/ready", method: .get) { response in
                    #expect(response.status == .ok)
                }
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
                // Every exported family explains itself (issue #19): a # HELP line for each # TYPE line.
                let lines = text.split(separator: "\n")
                let typed = lines.filter { $0.hasPrefix("# TYPE cutover_") }.compactMap { $0.split(separator: " ").dropFirst(2).first }
                #expect(!typed.isEmpty)
                for name in typed {
                    #expect(lines.contains { $0.hasPrefix("# HELP \(name) ") && $0.count > "# HELP \(name) ".count + 10 }, "no HELP for \(name)")
                }
            }
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("every metric name in Sources has a help text in MetricHelp")
    func helpTextCatalog() throws {
        let root = TestCluster.repositoryRoot + "/Sources"
        let files = try #require(FileManager.default.enumerator(atPath: root)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        var names = Set<String>()
        for file in files {
            for line in try String(contentsOfFile: root + "/" + file, encoding: .utf8).split(separator: "\n")
            where ["label: \"", "gauge(\"", "Metric = \""].contains(where: { line.contains($0) }) {
                var rest = line[...]
                while let start = rest.range(of: "\"cutover_") {
                    let name = rest[rest.index(after: start.lowerBound)...].prefix { $0 != "\"" }
                    names.insert(String(name))
                    rest = rest[start.upperBound...]
                }
            }
        }
        #expect(names.count >= 30, "found only \(names.sorted())")
        for name in names.sorted() { #expect(MetricHelp.texts[name] != nil, "no help text for \(name)") }
        #expect(Set(MetricHelp.texts.keys).subtracting(names).isEmpty, "help for metrics that do not exist: \(Set(MetricHelp.texts.keys).subtracting(names).sorted())")
    }
}
