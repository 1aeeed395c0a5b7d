import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate baseline --version V… --reason …`: adopt a database whose schema already
/// holds what the files up to a version do. Audited in `cutover.migration_log`.
struct MigrateBaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Record the migration files up to a version as applied without running them (adopting an existing database; audited).")
    @OptionGroup var options: GlobalOptions
    @Option(help: "The last file to record, e.g. V003 (every versioned file up to it that is not applied yet).") var version: String
    @Option(help: "Why (required; stored in cutover.migration_log).") var reason: String?
    @Option(help: "Seconds to wait for another runner's lock before failing.") var lockWait: Double = 30

    func run() async throws {
        try await CLIErrors.run {
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CoreError(.invalidArgument, "baseline needs --reason \"…\": every change to the history is audited")
            }
            let through = try MigrateCommand.parseVersion(version)
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover migrate")
            let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
            let migrator = Migrator(target: target, catalog: catalog, lockWaitSeconds: lockWait, logger: logger)
            let recorded = try await migrator.baseline(through: through, reason: reason)
            for file in recorded { print("recorded \(file.filename) [\(file.phase.rawValue)] as applied (not run)") }
            print(recorded.isEmpty ? "nothing to record: every file up to \(version) is applied"
                                   : "baseline: \(recorded.count) file(s) recorded in \(target.url); `cutover migrate up` applies the later ones")
        }
    }
}
