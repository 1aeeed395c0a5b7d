import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging

/// How cost grows with data: at each customer count, the read model's list p95 as SQL (16 clients
/// back to back, 5 s) next to the legacy query's, and the time of a full `cutover rebuild` of
/// customer_overview. The run's own size is measured on its database; other sizes get a database
/// of their own, seeded, projected, measured and dropped.
struct ScaleScenario {
    let context: BenchContext
    let admin: DatabaseTarget

    func run() async throws -> ([BenchFigure], [String: [Double]]) {
        var sizes = context.options.scaleSizes
        if !sizes.contains(context.options.customers) { sizes.append(context.options.customers) }
        sizes.sort()
        var readP95: [Double] = [], legacyP95: [Double] = [], rebuild: [Double] = []
        var figures: [BenchFigure] = []
        for size in sizes {
            let own = size == context.options.customers
            let db = own ? context.db : admin.with(database: "bench_scale_\(size)")
            if !own { try await prepare(db, customers: size) }
            let sized = BenchContext(db: db, projections: context.projections, views: context.views, pgbench: context.pgbench, logger: context.logger,
                                     progress: context.progress, options: context.options)
            let read = ReadScenario(context: sized)
            let territories = try await APIScenario(context: sized).column("SELECT code FROM crm.territories ORDER BY code")
            let maxID = Int(try await sized.scalar("SELECT max(id)::float8 FROM crm.customers"))
            let table = context.projections.first { $0.name == "customer_overview" }!.table
            context.progress("scale: \(size) customers, list p95 (read table and legacy, 16 clients, 5 s each)")
            let live = try await liveTable(sized, fallback: table)
            let rm = try await read.sqlLoad(sql: "SELECT * FROM \(live) WHERE territory_code = $1 ORDER BY revenue DESC, customer_id LIMIT 50", kind: "list",
                                            legacy: false, clients: 16, seconds: 5, territories: territories, maxID: maxID)
            let legacy = try await read.sqlLoad(sql: "SELECT * FROM (\(SQLResources.text("legacy_territory_customers").trimmingSemicolonAndWhitespace())) AS legacy",
                                                kind: "list", legacy: true, clients: 16, seconds: 5, territories: territories, maxID: maxID)
            context.progress("scale: \(size) customers, full rebuild of customer_overview")
            let overview = context.projections.first { $0.name == "customer_overview" }!
            let start = ContinuousClock.now
            _ = try await ProjectionRebuilder(projection: overview, target: db, dropOld: true, logger: context.logger).run()
            let seconds = (ContinuousClock.now - start).seconds
            readP95.append(rm.p95)
            legacyP95.append(legacy.p95)
            rebuild.append(seconds)
            figures.append(BenchFigure(scenario: "scale", figure: "list p95 as SQL, 16 clients, \(size) customers (anchor: legacy)",
                                       cutover: rm.p95, anchor: legacy.p95, unit: "ms", target: "report", higherIsBetter: false,
                                       notes: String(format: "%.0f req/s; legacy %.1f req/s", rm.throughput, legacy.throughput)))
            figures.append(BenchFigure(scenario: "scale", figure: "full rebuild of customer_overview, \(size) customers", cutover: seconds,
                                       anchor: nil, unit: "s", target: "report", higherIsBetter: false))
            if !own { try await drop(db) }
        }
        let series: [String: [Double]] = ["scale.customers": sizes.map(Double.init), "scale.read_p95_ms": readP95,
                                          "scale.legacy_p95_ms": legacyP95, "scale.rebuild_s": rebuild]
        return (figures, series)
    }

    func liveTable(_ c: BenchContext, fallback: String) async throws -> String {
        try await Database.withConnection(c.db, logger: c.logger) { conn in
            for try await t in try await conn.query("SELECT live_table FROM cutover.projection_checkpoint WHERE projection = 'customer_overview'",
                                                    logger: c.logger).decode(String.self) { return t }
            return fallback
        }
    }

    func prepare(_ db: DatabaseTarget, customers: Int) async throws {
        context.progress("scale: seeding \(customers) customers into \(db.url.database)")
        try await Database.withConnection(admin, logger: context.logger) { c in
            try await DatabaseAdmin.dropDatabase(db.url.database, on: c, logger: context.logger)
            try await DatabaseAdmin.createDatabaseIfMissing(db.url.database, on: c, logger: context.logger)
        }
        try await context.options.setup(db, logger: context.logger).run()
        try await Database.withConnection(db, logger: context.logger) { c in
            try await Seeder(options: try SeedOptions(customers: customers), logger: context.logger).run(on: c)
            for p in context.projections {
                var store = ProjectionStore(projection: p, logger: context.logger)
                try await store.installIfNeeded(on: c)
            }
        }
    }

    func drop(_ db: DatabaseTarget) async throws {
        try await Database.withConnection(admin, logger: context.logger) { c in
            try await DatabaseAdmin.dropDatabase(db.url.database, on: c, logger: context.logger)
        }
    }
}
