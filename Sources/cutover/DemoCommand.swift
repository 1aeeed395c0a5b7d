import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import CutoverProjector
import ServiceLifecycle
import CutoverServer

/// `cutover demo`: the embedded default, end to end.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the local cluster, migrate, seed demo data and run everything that exists."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "Customers to seed when the database holds none.") var customers: Int = 20_000
    @Flag(help: "Seed again even if data exists.") var reseed = false
    @Flag(help: "Prepare everything and exit instead of running the projector.") var noRun = false

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            var cluster = DevCluster(dataDirectory: config.dev.dataDirectory, requestedPort: config.dev.port, logger: logger)
            print("1/4 local PostgreSQL")
            let state = try await cluster.up { print("    \($0)") }
            let target = config.database.isExplicit
                ? try options.databaseTarget(config, logger: logger, applicationName: "cutover demo")
                : DatabaseTarget(url: state.url, poolSize: config.database.poolSize, applicationName: "cutover demo")
            print("    ready at \(target.url)")

            print("2/4 engine schema, migrations, change capture (cutover init · migrate · projections apply)")
            try await DatabaseSetup(target: target, directory: config.directory, migrationsDirectory: config.migrationsDirectory,
                                    projectionsDirectory: config.projectionsDirectory, binaryVersion: CutoverVersion.current, logger: logger)
                .run { print("    \($0)") }

            print("3/4 demo data")
            let existing = try await Database.withConnection(target, logger: logger) { connection -> Int64 in
                let rows = try await connection.query("SELECT count(*) FROM crm.customers", logger: logger)
                var n: Int64 = 0
                for try await value in rows.decode(Int64.self) { n = value }
                return n
            }
            if existing == 0 || reseed {
                try await SeedCommand.load(try SeedOptions(customers: customers), target: target, logger: logger)
            } else {
                print("    \(existing) customers already there (use --reseed to replace them)")
            }
            let projections = try ProjectionLoader.load(directory: config.projectionsDirectory)
            let views = try ViewLoader.load(directory: config.projectionsDirectory)
            try await ViewFlagCheck.requireAtStart(views, target: target, logger: logger)
            let token = try await demoToken(target: target, dataDirectory: config.dev.dataDirectory, logger: logger)
            _ = try await demoReader(target: target, dataDirectory: config.dev.dataDirectory, logger: logger)
            let base = "http://\(config.http.host):\(config.http.port)"
            print("""

                Cutover demo is ready.
                  database     \(target.url)
                  read models  \(projections.map(\.view).joined(separator: ", "))
                  read API     \(base)/v1/customers?territory=DE-BY   (token below; also /metrics, /health/ready)
                  views        \(views.map { "\($0.route)" }.joined(separator: ", "))
                  demo token   \(token)   (admin, every territory; kept in \(Self.tokenFile(config.dev.dataDirectory)))
                  try          curl -H "Authorization: Bearer \(token)" '\(base)/v1/customers?territory=DE-BY&limit=5'
                               psql "$(cat \(Self.readerFile(config.dev.dataDirectory)))" -c "select name, revenue, owner_name from read.customer_overview order by revenue desc limit 5"
                                 (a SQL reader of module 01 bound to DE-BY: cutover readers create · docs/read-api.md)
                               cutover dev psql -- -c "update crm.users set name = 'Maria Beispiel' where id = 1"   (watch read.customer_overview follow)
                               cutover projector status
                  reader flags every view starts on the legacy queries (header Cutover-Source: legacy); move module 01 (the demo token's):
                               cutover flags set customer_reads shadow --module 01 --reason "demo: compare"     (legacy answers, read model compared)
                               cutover flags set customer_reads read_model --module 01 --reason "demo: switch"  (Cutover-Source: read-model)
                               cutover flags list · cutover flags history · docs/cutover-guide.md
                               cutover tokens create --module 02 --role reader --territories DE-BY
                               cutover seed --customers 200000      (about 30 s; the projector rebuilds)
                  stop         Ctrl-C (projector and API), then cutover dev down
                """)
            if noRun { return }
            print("4/4 projector and read API (Ctrl-C to stop)")
            let service = ProjectorService(projections: projections, target: target, settings: ProjectorSettings(config.projector), logger: logger)
            let registry = OperationsServer.bootstrapMetrics()
            let api = try await APIServices(config: config, target: target, projections: projections, views: views, registry: registry, logger: logger, extra: [service])
            try await ProcessServices.run(api.services, http: (config.http.host, config.http.port), logger: logger)
        }
    }

    static func tokenFile(_ dataDirectory: String) -> String {
        ((dataDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("demo-token")
    }

    /// The demo's admin token: reused from `.cutover/demo-token` while it is still valid, else created.
    func demoToken(target: DatabaseTarget, dataDirectory: String, logger: Logger) async throws -> String {
        let file = Self.tokenFile(dataDirectory)
        let repository = TokenRepository(logger: logger)
        if let saved = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), APIToken.isWellFormed(saved) {
            let valid = try await Database.withClient(target, logger: logger) { try await repository.resolve(on: $0, token: saved) != nil }
            if valid { return saved }
        }
        let created = try await Database.withConnection(target, logger: logger) { c in
            try await repository.create(on: c, module: "01", role: .admin, territories: ["*"], user: nil, label: "cutover demo")
        }
        if !FileManager.default.createFile(atPath: file, contents: Data((created.token + "\n").utf8), attributes: [.posixPermissions: 0o600]) {
            // The token still works; only the next demo run will make another one.
            FileHandle.standardError.write(Data("warning: could not save the demo token to \(file); copy it from below\n".utf8))
        }
        return created.token
    }
}
