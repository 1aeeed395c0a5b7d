import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover upgrade`: installs the engine steps a database lacks.
struct UpgradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Install the engine steps this binary carries that the database lacks (after installing a newer cutover).",
        discussion: """
            Each step runs in a transaction with lock_timeout and is retried when the timeout strikes; the run holds \
            an advisory lock, so a second upgrade waits. The directory queries (readers.*) are stored again when they \
            changed. A database whose engine is newer than this binary is refused.
            """)
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print the steps and changes and change nothing.") var dryRun = false
    @Option(help: "Seconds to wait for another init or upgrade before failing.") var lockWait: Double = 30

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            let target = try options.databaseTarget(config, logger: logger, applicationName: "cutover upgrade")
            var installer = EngineInstaller(target: target, binaryVersion: CutoverVersion.current, logger: logger)
            installer.lockWaitSeconds = lockWait
            let plan = try await installer.upgrade(directory: config.directory, dryRun: dryRun, progress: InitCommand.report)
            InitCommand.summarize(plan, dryRun: dryRun, database: target.url.database, verb: "upgrade")
        }
    }
}
