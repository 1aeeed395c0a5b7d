import CutoverCore
import CutoverPostgres
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO

/// Read API latency over HTTP at offered rates (open loop: 16 keep-alive clients share a fixed
/// request rate against `cutover serve`, its own process), plus the cost of the token check and of
/// the row-level-security context measured against the bare statement. Back-to-back load at 1, 16
/// and 64 clients against the legacy path is the `read` scenario.
struct APIScenario {
    let context: BenchContext
    static let clients = 16

    func run() async throws -> [BenchFigure] {
        let token = try await Database.withConnection(context.db, logger: context.logger) { c in
            try await TokenRepository(logger: context.logger).create(on: c, module: "02", role: .reader, territories: ["*"], user: nil, label: "bench").token
        }
        let territories = try await column("SELECT code FROM crm.territories ORDER BY code")
        let maxID = Int(try await context.scalar("SELECT max(id)::float8 FROM crm.customers"))
        let seconds = context.options.apiSeconds
        var figures: [BenchFigure] = []
        try await withServer(source: .readModel) { port, pid in
            let listURI: @Sendable (inout SystemRandomNumberGenerator) -> String = { rng in
                "/v1/customers?territory=\(territories.randomElement(using: &rng)!)&sort=revenue&limit=50"
            }
            let detailURI: @Sendable (inout SystemRandomNumberGenerator) -> String = { rng in
                "/v1/customers/\(Int.random(in: 1...maxID, using: &rng))"
            }
            for rate in context.options.apiRates {
                for (name, uri, target) in [("list", listURI, 5.0), ("detail", detailURI, 3.0)] {
                    context.progress("api: read-model \(name), \(Self.clients) clients sharing \(rate) req/s, \(seconds) s")
                    let paced = try await load(port: port, pid: pid, token: token, seconds: seconds, rate: rate, uri: uri)
                    figures.append(BenchFigure(scenario: "api", figure: "\(name) p95 at \(rate) req/s offered, \(Self.clients) clients",
                                               cutover: paced.p95, anchor: nil, unit: "ms", target: "≤ \(Int(target)) ms", higherIsBetter: false,
                                               notes: "p50 \(fmt(paced.p50)) ms, p99 \(fmt(paced.p99)) ms; latency from the scheduled send time; \(paced.cpu)"))
                }
            }
        }
        figures += try await contextCost(token: token, territories: territories)
        figures += try await rlsCost(token: token, territories: territories, maxID: maxID)
        return figures
    }

    func fmt(_ v: Double) -> String { String(format: "%.2f", v) }

    func column(_ sql: String) async throws -> [String] {
        try await Database.withConnection(context.db, logger: context.logger) { c in
            var out: [String] = []
            for try await v in try await c.query(PostgresQuery(unsafeSQL: sql), logger: context.logger).decode(String.self) { out.append(v) }
            return out
        }
    }

    /// Starts `cutover serve` on a free port serving from `source` (and `settings`, `key=value`), runs `body`, stops it.
    func withServer(source: ReadSource, settings: [String] = [], _ body: (Int, Int32) async throws -> Void) async throws {
        let log = (context.options.outDirectory as NSString).appendingPathComponent("api-\(source.rawValue).log")
        try? FileManager.default.removeItem(atPath: log)
        let server = try BenchProcess(context.options.cutoverBinary, [
            "serve", "--database-url", context.db.url.urlWithPassword, "--set", "projections.directory=\(context.options.projectionsDirectory)",
            "--set", "http.port=0", "--set", "api.forceSource=\(source.rawValue)", "--set", "database.poolSize=\(Self.clients)",
            "--log-level", "warning",
        ] + settings.flatMap { ["--set", $0] }, log: log)
        defer { server.stop() }
        var port: Int?
        for _ in 0..<200 where port == nil {
            try await Task.sleep(for: .milliseconds(100))
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                port = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let port else { throw CoreError(.invalidArgument, "cutover serve did not start; see \(log)") }
        try await body(port, server.pid)
    }

    struct Load {
        var p50: Double
        var p95: Double
        var p99: Double
        var throughput: Double
        var errors: Int
        var cpu: String
    }

    /// `clients` keep-alive connections issuing requests back to back for `seconds`, or, with
    /// `rate`, sharing that many requests per second on a fixed schedule (latency then counts from
    /// the scheduled send time, so a slow answer also charges the requests queued behind it).
    func load(port: Int, pid: Int32, token: String, seconds: Int, rate: Int? = nil, clients: Int = APIScenario.clients,
              uri: @escaping @Sendable (inout SystemRandomNumberGenerator) -> String) async throws -> Load {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let fields = headers
        let cpuStart = CPUTime.Split.now(server: pid)
        let start = ContinuousClock.now
        let deadline = start + .seconds(seconds)
        let interval: Duration? = rate.map { .nanoseconds(Int64(1e9 * Double(clients) / Double($0))) }
        let perClient = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for index in 0..<clients {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(120))) { client in
                        var rng = SystemRandomNumberGenerator()
                        var latencies: [Double] = []
                        var errors = 0
                        // Paced clients start staggered across one interval.
                        var scheduled = start + (interval.map { $0 * Double(index) / Double(clients) } ?? .zero)
                        while ContinuousClock.now < deadline {
                            if interval != nil {
                                if scheduled > ContinuousClock.now { try await Task.sleep(until: scheduled) }
                            } else {
                                scheduled = ContinuousClock.now
                            }
                            let t0 = scheduled
                            if let interval { scheduled += interval }
                            let response = try await client.get(uri(&rng), headers: fields)
                            let ms = (ContinuousClock.now - t0) / .milliseconds(1)
                            if response.status == .ok || response.status == .notFound { latencies.append(ms) } else { errors += 1 }
                        }
                        return (latencies, errors)
                    }
                }
            }
            var all: [([Double], Int)] = []
            for try await r in group { all.append(r) }
            return all
        }
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        let latencies = perClient.flatMap(\.0).sorted()
        let errors = perClient.map(\.1).reduce(0, +)
        let cpu = CPUTime.Split.now(server: pid).perRequest(since: cpuStart, requests: latencies.count + errors)
        guard !latencies.isEmpty else { return Load(p50: 0, p95: 0, p99: 0, throughput: 0, errors: errors, cpu: cpu) }
        func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return Load(p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), throughput: Double(latencies.count) / elapsed, errors: errors, cpu: cpu)
    }

    /// The token check (uncached lookup) and the reader context (role switch, settings, RLS and
    /// masking through the view, in the one statement of `cutover.api_read`) against the view's
    /// same statement run bare as the table's owner (no context, no RLS), one client, p95 of each.
    func contextCost(token: String, territories: [String]) async throws -> [BenchFigure] {
        context.progress("api: token check and row-level security cost")
        let logger = context.logger
        let view = try context.view("customers.list")
        return try await Database.withClient(context.db, logger: logger) { client in
            let repository = TokenRepository(logger: logger)
            guard let caller = try await repository.resolve(on: client, token: token) else { return [] }
            let reader = ViewReader(logger: logger)
            var bare: [Double] = [], secured: [Double] = [], tokens: [Double] = []
            for i in 0..<2_000 {
                let statement = try BenchContext.statement(view, ["territory": territories[i % territories.count]], order: "revenue")
                var t0 = ContinuousClock.now
                _ = try await client.withConnection { c in try await reader.legacy(on: c, statement) }
                bare.append((ContinuousClock.now - t0) / .milliseconds(1))
                t0 = ContinuousClock.now
                _ = try await client.withConnection { c in try await reader.readModel(on: c, as: caller, statement) }
                secured.append((ContinuousClock.now - t0) / .milliseconds(1))
                t0 = ContinuousClock.now
                _ = try await repository.resolve(on: client, token: token)
                tokens.append((ContinuousClock.now - t0) / .milliseconds(1))
            }
            func pct(_ v: [Double], _ p: Double) -> Double { let s = v.sorted(); return s[Int(Double(s.count) * p)] }
            func p95(_ v: [Double]) -> Double { pct(v, 0.95) }
            let (b, s, t) = (p95(bare), p95(secured), p95(tokens))
            let medians = String(format: "p50: bare %.3f ms, secured %.3f ms (+%.3f ms)", pct(bare, 0.5), pct(secured, 0.5),
                                 pct(secured, 0.5) - pct(bare, 0.5))
            return [
                BenchFigure(scenario: "api", figure: "list read with RLS context p95, 1 client (anchor: the same statement bare, as the owner)",
                            cutover: s, anchor: b, unit: "ms", target: "report", higherIsBetter: false),
                BenchFigure(scenario: "api", figure: "RLS context cost p95 (secured − bare)", cutover: max(0, s - b), anchor: nil, unit: "ms",
                            target: "≤ 0.5 ms (with token check)", higherIsBetter: false,
                            notes: "\(medians); token check uncached p95 \(String(format: "%.3f", t)) ms; cached (default 2 s) it is a memory lookup"),
            ]
        }
    }
}
