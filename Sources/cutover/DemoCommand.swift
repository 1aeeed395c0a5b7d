import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation
import Logging

/// `cutover demo`: the embedded default, end to end.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the local cluster, migrate, seed demo data and run everything that exists."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "Customers to seed when the database holds none.") var customers: Int = 20_000
    @Flag(help: "Seed again even if data exists.") var reseed = false

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            var cluster = DevCluster(dataDirectory: config.dev.dataDirectory, requestedPort: config.dev.port, logger: logger)
            print("1/3 local PostgreSQL")
            let state = try await cluster.up { print("    \($0)") }
            let target = config.database.isExplicit
                ? try options.databaseTarget(config, logger: logger, applicationName: "cutover demo")
                : DatabaseTarget(url: state.url, poolSize: config.database.poolSize, applicationName: "cutover demo")
            print("    ready at \(target.url)")

            print("2/3 migrations")
            let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
            try await Migrator(target: target, catalog: catalog, logger: logger).up { MigrateCommand.report($0) }

            print("3/3 demo data")
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
            print("""

                Cutover demo is ready.
                  database     \(target.url)
                  try          cutover dev psql -- -c "select territory_code, count(*) from crm.customers group by 1"
                               cutover migrate status
                               cutover seed --customers 200000      (about a minute)
                  stop         cutover dev down
                """)
        }
    }
}
