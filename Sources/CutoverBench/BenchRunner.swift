import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging
import PostgresNIO

/// Runs the benchmark scenarios on a cluster of its own: every figure next to its anchor,
/// measured in the same run on the same data.
public struct BenchRunner: Sendable {
    public struct Options: Sendable {
        public var customers: Int = 200_000
        public var scenarios: [String] = BenchRunner.allScenarios
        public var outDirectory: String = "bench-out"
        /// Seconds per capture phase (nine phases alternate without/with capture, starting and ending without).
        public var capturePhaseSeconds: Int = 15
        public var lagRates: [Int] = [200, 1000, 3000]
        public var lagSeconds: Int = 60
        public var projectorKeys: Int = 20_000
        public var apiSeconds: Int = 10
        /// Offered request rates of the paced API phases (all clients together).
        public var apiRates: [Int] = [400, 1000]
        /// Seconds per phase and client counts of the `read` scenario.
        public var readSeconds: Int = 5
        public var readClients: [Int] = [1, 16, 64]
        /// Customer counts of the `scale` scenario (the run's own size is measured on its database).
        public var scaleSizes: [Int] = [20_000, 200_000, 1_000_000]
        /// Rows of the `backfill` scenario's table.
        public var backfillRows: Int = 2_000_000
        public var cutoverBinary: String
        public var projectionsDirectory: String
        public var migrationsDirectory: String
        /// The projections of the adoption scenario (`examples/pgbench/projections`).
        public var adoptionProjectionsDirectory = "examples/pgbench/projections"
        /// The application's directory queries (`readers.*` of the configuration).
        public var directory = ReaderDirectory()
        /// The version `cutover --version` prints, recorded with the engine steps.
        public var binaryVersion = "bench"

        /// `cutover init`, `migrate` and `projections apply` for `db`.
        func setup(_ db: DatabaseTarget, logger: Logger) -> DatabaseSetup {
            DatabaseSetup(target: db, directory: directory, migrationsDirectory: migrationsDirectory,
                          projectionsDirectory: projectionsDirectory, binaryVersion: binaryVersion, logger: logger)
        }

        public init(cutoverBinary: String, projectionsDirectory: String, migrationsDirectory: String) {
            self.cutoverBinary = cutoverBinary
            self.projectionsDirectory = projectionsDirectory
            self.migrationsDirectory = migrationsDirectory
        }
    }

    /// Every scenario, in the order a default run takes them.
    public static let allScenarios = ["read", "capture", "lag", "projector", "api", "http", "rebuild", "backfill", "scale", "adoption"]

    public let options: Options
    public let logger: Logger
    let progress: @Sendable (String) -> Void

    public init(options: Options, logger: Logger, progress: @escaping @Sendable (String) -> Void) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    public func run() async throws -> BenchReport {
        let fm = FileManager.default
        try fm.createDirectory(atPath: options.outDirectory, withIntermediateDirectories: true)
        let dataDirectory = (options.outDirectory as NSString).appendingPathComponent("pg")
        var cluster = DevCluster(dataDirectory: dataDirectory, logger: logger)
        progress("cluster: \(cluster.dataDirectory)")
        let state = try await cluster.up()
        let admin = DatabaseTarget(url: state.url.with(database: "postgres"))
        let db = admin.with(database: "bench")
        try await Database.withConnection(admin, logger: logger) { c in
            try await DatabaseAdmin.dropDatabase("bench", on: c, logger: logger)
            try await DatabaseAdmin.createDatabaseIfMissing("bench", on: c, logger: logger)
        }
        progress("migrating and seeding \(options.customers) customers")
        try await options.setup(db, logger: logger).run()
        try await Database.withConnection(db, logger: logger) { c in
            try await Seeder(options: try SeedOptions(customers: options.customers), logger: logger).run(on: c)
        }
        do {
            let report = try await measure(db: db, state: state)
            try cluster.down()
            return report
        } catch {
            try? cluster.down()  // never leave the bench cluster running after a failed scenario
            throw error
        }
    }

    private func measure(db: DatabaseTarget, state: DevClusterState) async throws -> BenchReport {
        let projections = try ProjectionLoader.load(directory: options.projectionsDirectory)
        // Build the projections once (the projector installs them).
        try await Database.withConnection(db, logger: logger) { c in
            for p in projections {
                var store = ProjectionStore(projection: p, logger: logger)
                try await store.installIfNeeded(on: c)
            }
        }
        let version = try await Database.withConnection(db, logger: logger) { c in
            var v = ""
            for try await s in try await c.query("SELECT version()", logger: logger).decode(String.self) { v = s }
            return v
        }
        let binaries = PostgresBinaries(directory: state.binDirectory, majorVersion: state.majorVersion)
        let views = try ViewLoader.load(directory: options.projectionsDirectory)
        let context = BenchContext(db: db, projections: projections, views: views, pgbench: binaries.directory + "/pgbench", logger: logger,
                                   progress: progress, options: options)
        var figures: [BenchFigure] = []
        var series: [String: [Double]] = [:]
        for scenario in options.scenarios {
            switch scenario {
            case "capture": figures += try await CaptureScenario(context: context).run()
            case "lag":
                let (f, s) = try await LagScenario(context: context).run()
                figures += f
                series.merge(s) { $1 }
            case "projector": figures += try await ProjectorThroughputScenario(context: context).run()
            case "api": figures += try await APIScenario(context: context).run()
            case "http": figures += try await HTTPScenario(context: context).run()
            case "backfill": figures += try await BackfillScenario(context: context).run()
            case "rebuild": figures += try await RebuildScenario(context: context).run()
            case "read":
                let (f, s) = try await ReadScenario(context: context).run()
                figures += f
                series.merge(s) { $1 }
            case "adoption":
                let (f, s) = try await AdoptionScenario(context: context, admin: DatabaseTarget(url: db.url.with(database: "postgres"))).run()
                figures += f
                series.merge(s) { $1 }
            case "scale":
                let (f, s) = try await ScaleScenario(context: context, admin: DatabaseTarget(url: db.url.with(database: "postgres"))).run()
                figures += f
                series.merge(s) { $1 }
            default: throw CoreError(.invalidArgument, "unknown scenario \(scenario); valid: \(Self.allScenarios.joined(separator: ", "))")
            }
        }
        let report = BenchReport(startedAt: ISO8601DateFormatter().string(from: Date()), machine: MachineInfo.describe(),
                                 postgres: String(version.prefix(40)), customers: options.customers, figures: figures, series: series)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: (options.outDirectory as NSString).appendingPathComponent("bench.json")))
        for (name, svg) in BenchCharts(report: report).all() {
            try Data(svg.utf8).write(to: URL(fileURLWithPath: (options.outDirectory as NSString).appendingPathComponent(name)))
        }
        return report
    }
}

/// What every scenario needs.
struct BenchContext: Sendable {
    let db: DatabaseTarget
    let projections: [ProjectionDefinition]
    /// The declared read views (`projections/*/views`).
    let views: [ViewDeclaration]
    let pgbench: String
    let logger: Logger
    let progress: @Sendable (String) -> Void
    let options: BenchRunner.Options

    func exec(_ statements: String...) async throws {
        try await Database.withConnection(db, logger: logger) { c in
            for s in statements { try await c.query(PostgresQuery(unsafeSQL: s), logger: logger) }
        }
    }

    func scalar(_ sql: String) async throws -> Double {
        try await Database.withConnection(db, logger: logger) { c in
            var v = 0.0
            for try await x in try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Double?.self) { v = x ?? 0 }
            return v
        }
    }

    /// Runs pgbench with one of the bundled scripts; returns the tps it reports.
    func pgbench(script: String, clients: Int, seconds: Int, rate: Int? = nil) async throws -> Double {
        guard let path = Bundle.module.path(forResource: script, ofType: "sql", inDirectory: "pgbench")
            ?? Bundle.module.path(forResource: script, ofType: "sql") else {
            throw CoreError(.invalidArgument, "missing pgbench script \(script)")
        }
        let customers = Int(try await scalar("SELECT max(id)::float8 FROM crm.customers"))
        let contacts = Int(try await scalar("SELECT max(id)::float8 FROM crm.contacts"))
        let users = Int(try await scalar("SELECT max(id)::float8 FROM crm.users"))
        var args = ["-n", "-c", "\(clients)", "-j", "\(min(clients, 2))", "-T", "\(seconds)", "-f", path,
                    "-D", "customers=\(customers)", "-D", "contacts=\(contacts)", "-D", "users=\(users)"]
        if let rate { args += ["-R", "\(rate)"] }
        args.append(db.url.urlWithPassword)
        let result = try ProcessRunner(runAsUser: nil).run(pgbench, args)
        guard result.succeeded, let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
              let tps = Double(line.dropFirst(6).split(separator: " ").first ?? "") else {
            throw DatabaseError(.serverError, "pgbench failed: \(result.output.suffix(800))")
        }
        return tps
    }

    /// Puts the source tables in or out of change capture: published with `REPLICA IDENTITY FULL`
    /// (captured), or unpublished with the default identity (the same writes without capture).
    func setCapture(_ enabled: Bool) async throws {
        let tables = Set(projections.flatMap { $0.sources.map(\.table) }).sorted()
        if enabled {
            try await exec("ALTER PUBLICATION \(CaptureSQL.publication) SET TABLE \(tables.joined(separator: ", "))")
        } else {
            try await exec("""
                DO $$
                DECLARE r record;
                BEGIN
                    FOR r IN SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = '\(CaptureSQL.publication)' LOOP
                        EXECUTE format('ALTER PUBLICATION \(CaptureSQL.publication) DROP TABLE %I.%I', r.schemaname, r.tablename);
                    END LOOP;
                END
                $$
                """)
        }
        for t in tables {
            try await exec("ALTER TABLE \(t) REPLICA IDENTITY \(enabled ? "FULL" : "DEFAULT")")
        }
    }
}
