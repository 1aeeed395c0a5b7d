import ArgumentParser
import CutoverCore
import CutoverPostgres

/// `cutover config`: check and show the effective configuration.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate the configuration and print the effective values (secrets hidden)."
    )
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await CLIErrors.run {
            let c = try await options.loadConfig()
            print("database.url                          \(c.database.url)\(c.database.isExplicit ? "" : "   (default; the running dev cluster is used instead when present)")")
            print("database.poolSize                     \(c.database.poolSize)")
            print("database.connectTimeoutSeconds        \(c.database.connectTimeoutSeconds)")
            print("http                                  \(c.http.host):\(c.http.port)")
            print("projector.batchSize                   \(c.projector.batchSize)")
            print("projector.maxLatencyMilliseconds      \(c.projector.maxLatencyMilliseconds)")
            print("projector.fallbackPollMilliseconds    \(c.projector.fallbackPollMilliseconds)")
            print("dev.dataDirectory                     \(c.dev.dataDirectory)")
            print("dev.port                              \(c.dev.port == 0 ? "0 (a free port)" : "\(c.dev.port)")")
            print("migrations.directory                  \(c.migrationsDirectory)")
            print("migrations.blackouts                  \(c.blackoutsFile)")
            print("projections.directory                 \(c.projectionsDirectory)")
            print("log.level                             \(c.logLevel)")
            print("configuration is valid")
        }
    }
}
