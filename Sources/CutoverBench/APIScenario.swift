import CutoverCore
import CutoverPostgres
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PostgresNIO

/// Read API latency over HTTP: 16 keep-alive clients against `cutover serve` (its own process),
/// list and detail requests, on the read models and on the legacy path (a second server with
/// `api.defaultSource=legacy`), plus the cost of the token check and the row-level-security context
/// measured against the bare statement.
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
        var results: [ReadSource: (list: Load, detail: Load)] = [:]
        for source in [ReadSource.readModel, .legacy] {
            try await withServer(source: source) { port in
                context.progress("api: \(source.rawValue) list, \(Self.clients) clients, \(seconds) s")
                let list = try await load(port: port, token: token, seconds: seconds) { rng in
                    "/v1/customers?territory=\(territories.randomElement(using: &rng)!)&limit=50"
                }
                context.progress("api: \(source.rawValue) detail, \(Self.clients) clients, \(seconds) s")
                let detail = try await load(port: port, token: token, seconds: seconds) { rng in
                    "/v1/customers/\(Int.random(in: 1...maxID, using: &rng))"
                }
                results[source] = (list, detail)
            }
        }
        guard let rm = results[.readModel], let legacy = results[.legacy] else { return [] }
        for (name, r, l, target) in [("list", rm.list, legacy.list, 5.0), ("detail", rm.detail, legacy.detail, 3.0)] {
            figures.append(BenchFigure(scenario: "api", figure: "\(name) p95 over HTTP, \(Self.clients) clients (anchor: legacy path)",
                                       cutover: r.p95, anchor: l.p95, unit: "ms", target: "≤ \(Int(target)) ms", higherIsBetter: false,
                                       notes: "p50 \(fmt(r.p50)) / legacy \(fmt(l.p50)) ms; \(r.errors + l.errors) errors"))
            figures.append(BenchFigure(scenario: "api", figure: "\(name) throughput (anchor: legacy path)", cutover: r.throughput,
                                       anchor: l.throughput, unit: "req/s", target: "report"))
        }
        figures += try await contextCost(token: token, territories: territories)
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

    /// Starts `cutover serve` on a free port serving from `source`, runs `body`, stops it.
    func withServer(source: ReadSource, _ body: (Int) async throws -> Void) async throws {
        let log = (context.options.outDirectory as NSString).appendingPathComponent("api-\(source.rawValue).log")
        try? FileManager.default.removeItem(atPath: log)
        let server = try BenchProcess(context.options.cutoverBinary, [
            "serve", "--database-url", context.db.url.urlWithPassword, "--set", "projections.directory=\(context.options.projectionsDirectory)",
            "--set", "http.port=0", "--set", "api.defaultSource=\(source.rawValue)", "--set", "database.poolSize=\(Self.clients)",
            "--log-level", "warning",
        ], log: log)
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
        try await body(port)
    }

    struct Load {
        var p50: Double
        var p95: Double
        var throughput: Double
        var errors: Int
    }

    /// `clients` keep-alive connections issuing requests back to back for `seconds`.
    func load(port: Int, token: String, seconds: Int, uri: @escaping @Sendable (inout SystemRandomNumberGenerator) -> String) async throws -> Load {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let fields = headers
        let start = ContinuousClock.now
        let deadline = start + .seconds(seconds)
        let perClient = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<Self.clients {
                group.addTask {
                    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(120))) { client in
                        var rng = SystemRandomNumberGenerator()
                        var latencies: [Double] = []
                        var errors = 0
                        while ContinuousClock.now < deadline {
                            let t0 = ContinuousClock.now
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
        guard !latencies.isEmpty else { return Load(p50: 0, p95: 0, throughput: 0, errors: perClient.map(\.1).reduce(0, +)) }
        func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        return Load(p50: pct(0.5), p95: pct(0.95), throughput: Double(latencies.count) / elapsed, errors: perClient.map(\.1).reduce(0, +))
    }

    /// The token check (uncached lookup) and the reader context (transaction, role switch,
    /// settings, RLS and masking through the view) against the bare statement on the table, one
    /// client, p95 of each.
    func contextCost(token: String, territories: [String]) async throws -> [BenchFigure] {
        context.progress("api: token check and row-level security cost")
        let logger = context.logger
        let table = context.projections.first { $0.name == "customer_overview" }!.table
        return try await Database.withClient(context.db, logger: logger) { client in
            let repository = TokenRepository(logger: logger)
            guard let caller = try await repository.resolve(on: client, token: token) else { return [] }
            let reader = ReadModelReader(logger: logger)
            var bare: [Double] = [], secured: [Double] = [], tokens: [Double] = []
            for i in 0..<2_000 {
                let territory = territories[i % territories.count]
                var t0 = ContinuousClock.now
                try await client.withConnection { c in
                    let rows = try await c.query(PostgresQuery(unsafeSQL: """
                        SELECT customer_id, name, segment, status, territory_code, city, owner_id, owner_name, order_count::int8, revenue::text AS revenue_text,
                               last_order_at::text, chef_name, buyer_name, gf_name, false AS contacts_masked
                        FROM \(table) WHERE territory_code = '\(territory)' ORDER BY revenue DESC, customer_id LIMIT 51
                        """), logger: logger)
                    for try await _ in rows {}
                }
                bare.append((ContinuousClock.now - t0) / .milliseconds(1))
                t0 = ContinuousClock.now
                _ = try await ReaderContext.run(client, as: caller, logger: logger) { c in
                    try await reader.customers(on: c, CustomerListQuery(territory: territory)).items.count
                }
                secured.append((ContinuousClock.now - t0) / .milliseconds(1))
                t0 = ContinuousClock.now
                _ = try await repository.resolve(on: client, token: token)
                tokens.append((ContinuousClock.now - t0) / .milliseconds(1))
            }
            func p95(_ v: [Double]) -> Double { let s = v.sorted(); return s[Int(Double(s.count) * 0.95)] }
            let (b, s, t) = (p95(bare), p95(secured), p95(tokens))
            return [
                BenchFigure(scenario: "api", figure: "list read with RLS context p95, 1 client (anchor: bare statement on the table)",
                            cutover: s, anchor: b, unit: "ms", target: "report", higherIsBetter: false),
                BenchFigure(scenario: "api", figure: "RLS context cost p95 (secured − bare)", cutover: max(0, s - b), anchor: nil, unit: "ms",
                            target: "≤ 0.5 ms (with token check)", higherIsBetter: false,
                            notes: "token check uncached p95 \(String(format: "%.3f", t)) ms; cached (default 2 s) it is a memory lookup"),
            ]
        }
    }
}
