import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Phases collected inside a server's lifetime.
final class PhaseLog: Sendable {
    private let storage = Mutex<[ReadScenario.Phase]>([])
    var phases: [ReadScenario.Phase] { storage.withLock { $0 } }
    func add(_ phase: ReadScenario.Phase) { storage.withLock { $0.append(phase) } }
}

/// Reads at 1, 16 and 64 concurrent clients, back to back: list (a territory's top 50 by revenue)
/// and detail (one customer), over HTTP through `cutover serve` (read model against the legacy
/// path, a second server with `api.forceSource=legacy`) and as SQL (the statement on the read
/// table against the legacy query on the write tables). p50 / p95 / p99 and throughput.
struct ReadScenario {
    let context: BenchContext

    struct Phase: Sendable {
        var path: String      // "http" or "sql"
        var kind: String      // "list" or "detail"
        var source: String    // "read-model" or "legacy"
        var clients: Int
        var result: APIScenario.Load
    }

    func run() async throws -> ([BenchFigure], [String: [Double]]) {
        let api = APIScenario(context: context)
        let seconds = context.options.readSeconds
        let clientCounts = context.options.readClients
        let token = try await Database.withConnection(context.db, logger: context.logger) { c in
            try await TokenRepository(logger: context.logger).create(on: c, module: "02", role: .reader, territories: ["*"], user: nil, label: "bench read").token
        }
        let territories = try await api.column("SELECT code FROM crm.territories ORDER BY code")
        let maxID = Int(try await context.scalar("SELECT max(id)::float8 FROM crm.customers"))
        var phases: [Phase] = []
        for source in [ReadSource.readModel, .legacy] {
            let measured = try await httpPhases(api: api, source: source, token: token, territories: territories, maxID: maxID,
                                                seconds: seconds, clientCounts: clientCounts)
            phases += measured
        }
        let table = context.projections.first { $0.name == "customer_overview" }!.table
        let statements: [(String, String, String)] = [
            ("list", "read-model", "SELECT * FROM \(table) WHERE territory_code = $1 ORDER BY revenue DESC, customer_id LIMIT 50"),
            ("detail", "read-model", "SELECT * FROM \(table) WHERE customer_id = $1"),
            ("list", "legacy", "SELECT * FROM (\(SQLResources.text("legacy_territory_customers").trimmingSemicolonAndWhitespace())) AS legacy"),
            ("detail", "legacy", "SELECT * FROM (\(SQLResources.text("legacy_customer_detail").trimmingSemicolonAndWhitespace())) AS legacy"),
        ]
        for clients in clientCounts {
            for (kind, source, sql) in statements {
                context.progress("read: sql \(source) \(kind), \(clients) client(s) back to back, \(seconds) s")
                let load = try await sqlLoad(sql: sql, kind: kind, legacy: source == "legacy", clients: clients, seconds: seconds,
                                             territories: territories, maxID: maxID)
                phases.append(Phase(path: "sql", kind: kind, source: source, clients: clients, result: load))
            }
        }
        return (figures(phases), series(phases))
    }

    func httpPhases(api: APIScenario, source: ReadSource, token: String, territories: [String], maxID: Int,
                    seconds: Int, clientCounts: [Int]) async throws -> [Phase] {
        let collected = PhaseLog()
        try await api.withServer(source: source) { port, pid in
            for clients in clientCounts {
                for kind in ["list", "detail"] {
                    context.progress("read: http \(source.rawValue) \(kind), \(clients) client(s) back to back, \(seconds) s")
                    let uri = Self.uri(kind: kind, territories: territories, maxID: maxID)
                    let load = try await api.load(port: port, pid: pid, token: token, seconds: seconds, clients: clients, uri: uri)
                    collected.add(Phase(path: "http", kind: kind, source: source.rawValue, clients: clients, result: load))
                }
            }
        }
        return collected.phases
    }

    static func uri(kind: String, territories: [String], maxID: Int) -> @Sendable (inout SystemRandomNumberGenerator) -> String {
        if kind == "list" {
            return { rng in "/v1/customers?territory=\(territories.randomElement(using: &rng)!)&sort=revenue&limit=50" }
        }
        return { rng in "/v1/customers/\(Int.random(in: 1...maxID, using: &rng))" }
    }

    func figures(_ phases: [Phase]) -> [BenchFigure] {
        var out: [BenchFigure] = []
        for path in ["http", "sql"] {
            for kind in ["list", "detail"] {
                for clients in context.options.readClients {
                    guard let rm = phases.first(where: { $0.path == path && $0.kind == kind && $0.source == "read-model" && $0.clients == clients })?.result,
                          let legacy = phases.first(where: { $0.path == path && $0.kind == kind && $0.source == "legacy" && $0.clients == clients })?.result
                    else { continue }
                    let target = path == "http" ? (kind == "list" ? "≤ 5 ms p95 (at 1 client)" : "≤ 3 ms p95 (at 1 client)") : "report"
                    out.append(BenchFigure(scenario: "read", figure: "\(path) \(kind) p95, \(clients) client(s) (anchor: legacy)",
                                           cutover: rm.p95, anchor: legacy.p95, unit: "ms", target: clients == 1 ? target : "report", higherIsBetter: false,
                                           notes: String(format: "p50 %.2f / p99 %.2f ms, %.0f req/s; legacy p50 %.2f / p99 %.2f ms, %.1f req/s; errors %d",
                                                         rm.p50, rm.p99, rm.throughput, legacy.p50, legacy.p99, legacy.throughput, rm.errors + legacy.errors)))
                    out.append(BenchFigure(scenario: "read", figure: "\(path) \(kind) throughput, \(clients) client(s) (anchor: legacy)",
                                           cutover: rm.throughput, anchor: legacy.throughput, unit: "req/s", target: "report"))
                }
            }
        }
        return out
    }

    /// Percentiles per phase for the latency chart: `read.<path>.<kind>.<source>` → [p50, p95, p99] per client count.
    func series(_ phases: [Phase]) -> [String: [Double]] {
        var out: [String: [Double]] = ["read.clients": context.options.readClients.map(Double.init)]
        for p in phases {
            out["read.\(p.path).\(p.kind).\(p.source)", default: []] += [p.result.p50, p.result.p95, p.result.p99]
        }
        return out
    }

    /// `clients` connections of a pool running the statement back to back for `seconds`.
    func sqlLoad(sql: String, kind: String, legacy: Bool, clients: Int, seconds: Int, territories: [String], maxID: Int) async throws -> APIScenario.Load {
        var target = context.db
        target.poolSize = clients
        let logger = context.logger
        return try await Database.withClient(target, logger: logger) { client in
            let start = ContinuousClock.now
            let deadline = start + .seconds(seconds)
            let all = try await withThrowingTaskGroup(of: [Double].self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        var rng = SystemRandomNumberGenerator()
                        var latencies: [Double] = []
                        while ContinuousClock.now < deadline {
                            var binds = PostgresBindings()
                            if kind == "list" {
                                binds.append(territories.randomElement(using: &rng)!)
                                if legacy {
                                    binds.append(String?.none)
                                    binds.append(String?.none)
                                    binds.append(50)
                                    binds.append(String?.none)
                                    binds.append(Int64?.none)
                                }
                            } else {
                                binds.append(Int64(Int.random(in: 1...maxID, using: &rng)))
                            }
                            let t0 = ContinuousClock.now
                            try await client.withConnection { c in
                                let rows = try await c.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                                for try await _ in rows {}
                            }
                            latencies.append((ContinuousClock.now - t0) / .milliseconds(1))
                        }
                        return latencies
                    }
                }
                var out: [Double] = []
                for try await l in group { out += l }
                return out.sorted()
            }
            let elapsed = (ContinuousClock.now - start) / .seconds(1)
            guard !all.isEmpty else { return APIScenario.Load(p50: 0, p95: 0, p99: 0, throughput: 0, errors: 0, cpu: "") }
            func pct(_ p: Double) -> Double { all[min(all.count - 1, Int(Double(all.count) * p))] }
            return APIScenario.Load(p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), throughput: Double(all.count) / elapsed, errors: 0, cpu: "")
        }
    }
}
