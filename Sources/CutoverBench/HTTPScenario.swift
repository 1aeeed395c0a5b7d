import CutoverCore
import CutoverPostgres
import Foundation
import PostgresNIO

/// The generic read path against the SQL beneath it, side by side in one run: HTTP throughput of
/// a list view (50 rows) and a detail view at 16 connections from `wrk` against the very
/// statement `serve` runs for them (`cutover.api_read` with the view's generated statement)
/// through `pgbench -M prepared` at 16 clients; serve's CPU per request; the legacy path beside
/// it; and the seed's load: 1,000 open keep-alive connections sharing an offered 500 req/s (open
/// loop, latency from the scheduled send time).
struct HTTPScenario {
    let context: BenchContext
    static let connections = 16

    func run() async throws -> [BenchFigure] {
        guard let wrk = WrkRun.binary else {
            throw CoreError(.invalidArgument, "the http scenario needs wrk: scripts/install-deps.sh wrk (Debian: apt-get install wrk)")
        }
        let api = APIScenario(context: context)
        let territory = try await api.column("SELECT territory_code FROM crm.customers GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")[0]
        let territories = try await api.column("SELECT code FROM crm.territories ORDER BY code")
        let maxID = Int(try await context.scalar("SELECT max(id)::float8 FROM crm.customers"))
        let (listToken, detailToken) = try await Database.withConnection(context.db, logger: context.logger) { c in
            let repository = TokenRepository(logger: context.logger)
            return (try await repository.create(on: c, module: "02", role: .reader, territories: [territory], user: nil, label: "bench http").token,
                    try await repository.create(on: c, module: "02", role: .reader, territories: ["*"], user: nil, label: "bench http").token)
        }
        let list = try BenchContext.statement(try context.view("customers.list"), ["territory": territory])
        let detail = try BenchContext.statement(try context.view("customers.detail"), ["id": "1"])
        let seconds = context.options.apiSeconds
        let clients = Self.connections

        context.progress("http: the list and detail statements through pgbench -M prepared, \(clients) clients, \(seconds) s each")
        let listSQL = try await pgbench("SELECT cutover.api_read('\(territory)', '', '', :stmt, '{\(territory)}');",
                                        defines: ["stmt": list.sql], seconds: seconds)
        let detailSQL = try await pgbench("\\set id random(1, \(maxID))\nSELECT cutover.api_read(:territories, '', '', :stmt, ARRAY[(:id)::text]);",
                                          defines: ["stmt": detail.sql, "territories": territories.joined(separator: ",")], seconds: seconds)

        var figures: [BenchFigure] = []
        var readModelList = 0.0
        let listPath = "/v1/customers?territory=\(territory)&limit=50"
        try await api.withServer(source: .readModel) { port, pid in
            let base = "http://127.0.0.1:\(port)"
            context.progress("http: read-model list over HTTP, wrk \(clients) connections, \(seconds) s")
            var cpu = CPUTime.Split.now(server: pid)
            let listHTTP = try WrkRun.run(wrk, url: base + listPath, token: listToken, connections: clients, seconds: seconds)
            let listCPU = Self.serverMilliseconds(since: cpu, pid: pid, requests: listHTTP.requests)
            readModelList = listHTTP.perSecond
            context.progress("http: read-model detail over HTTP, wrk \(clients) connections, \(seconds) s")
            cpu = CPUTime.Split.now(server: pid)
            let detailHTTP = try WrkRun.run(wrk, url: base + "/v1/customers/1", token: detailToken, connections: clients, seconds: seconds,
                                            randomID: (prefix: "/v1/customers/", maximum: maxID))
            let detailCPU = Self.serverMilliseconds(since: cpu, pid: pid, requests: detailHTTP.requests)
            figures += [
                BenchFigure(scenario: "http", figure: "list (50 rows) req/s over HTTP, \(clients) connections (anchor: the same statement through pgbench)",
                            cutover: listHTTP.perSecond, anchor: listSQL, unit: "req/s", target: "≥ 0.8 of the SQL",
                            notes: "p50 \(fmt(listHTTP.p50)) ms, p99 \(fmt(listHTTP.p99)) ms; \(listHTTP.failures) failed; serve CPU \(fmt(listCPU, 3)) ms per request (goal ≤ 0.15)"),
                BenchFigure(scenario: "http", figure: "list serve CPU per request", cutover: listCPU, anchor: nil, unit: "ms", target: "≤ 0.15 ms",
                            higherIsBetter: false),
                BenchFigure(scenario: "http", figure: "detail req/s over HTTP, \(clients) connections (anchor: the same statement through pgbench)",
                            cutover: detailHTTP.perSecond, anchor: detailSQL, unit: "req/s", target: "≥ 0.8 of the SQL",
                            notes: "p50 \(fmt(detailHTTP.p50)) ms, p99 \(fmt(detailHTTP.p99)) ms; \(detailHTTP.failures) failed; serve CPU \(fmt(detailCPU, 3)) ms per request"),
            ]
            context.progress("http: 1,000 open connections sharing an offered 500 req/s (open loop), \(seconds) s")
            let crowd = try await api.load(port: port, pid: pid, token: listToken, seconds: seconds, rate: 500, clients: 1_000) { _ in listPath }
            figures.append(BenchFigure(scenario: "http", figure: "list p99 with 1,000 open connections at 500 req/s offered (open loop)",
                                       cutover: crowd.p99, anchor: nil, unit: "ms", target: "< 200 ms, no failed request", higherIsBetter: false,
                                       notes: "p50 \(fmt(crowd.p50)) ms, p95 \(fmt(crowd.p95)) ms; \(fmt(crowd.throughput, 0)) req/s answered; \(crowd.errors) failed; \(crowd.cpu)"))
        }
        // The legacy path at 4 connections: each list aggregates the whole territory on the write
        // tables (over a second at 200,000 customers), so 16 at once on 2 cores pass the legacy
        // statement timeout and answer 503.
        let legacyConnections = 4
        try await api.withServer(source: .legacy, settings: ["api.legacyConcurrency=\(legacyConnections)"]) { port, pid in
            context.progress("http: legacy list over HTTP, wrk \(legacyConnections) connections, \(seconds) s")
            let cpu = CPUTime.Split.now(server: pid)
            let legacy = try WrkRun.run(wrk, url: "http://127.0.0.1:\(port)" + listPath, token: listToken, connections: legacyConnections, seconds: seconds)
            figures.append(BenchFigure(scenario: "http", figure: "legacy list req/s over HTTP, \(legacyConnections) connections (anchor: the read-model list over HTTP, 16 connections)",
                                       cutover: legacy.perSecond, anchor: readModelList, unit: "req/s", target: "report",
                                       notes: "p50 \(fmt(legacy.p50)) ms, p99 \(fmt(legacy.p99)) ms; \(legacy.failures) failed; serve CPU \(fmt(Self.serverMilliseconds(since: cpu, pid: pid, requests: legacy.requests), 3)) ms per request"))
        }
        return figures
    }

    func fmt(_ value: Double, _ decimals: Int = 2) -> String { String(format: "%.\(decimals)f", value) }

    static func serverMilliseconds(since start: CPUTime.Split, pid: Int32, requests: Int) -> Double {
        (CPUTime.Split.now(server: pid).server - start.server) * 1000 / Double(max(requests, 1))
    }

    /// `pgbench -M prepared` of `script` at 16 clients; its transactions per second.
    func pgbench(_ script: String, defines: [String: String], seconds: Int) async throws -> Double {
        let path = (context.options.outDirectory as NSString).appendingPathComponent("http-\(UUID().uuidString.prefix(8)).pgbench")
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var args = ["-n", "-M", "prepared", "-c", "\(Self.connections)", "-j", "2", "-T", "\(seconds)", "-f", path]
        for (name, value) in defines.sorted(by: { $0.key < $1.key }) { args += ["-D", "\(name)=\(value)"] }
        args.append(context.db.url.urlWithPassword)
        let result = try ProcessRunner(runAsUser: nil).run(context.pgbench, args)
        guard result.succeeded, result.output.contains("failed: 0") || !result.output.contains("failed:"),
              let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
              let tps = Double(line.dropFirst(6).split(separator: " ").first ?? "") else {
            throw DatabaseError(.serverError, "pgbench failed: \(result.output.suffix(800))")
        }
        return tps
    }
}
