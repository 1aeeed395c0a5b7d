import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate repair --reason …`: accept edited applied files, forget missing ones, reset a
/// partly applied file. Audited in `cutover.migration_log`.
struct MigrateRepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Re-record checksums of changed applied files (audited); optionally forget missing files or reset partial progress.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Why the history is changed (required; stored in cutover.migration_log).") var reason: String?
    @Flag(help: "Also remove history rows whose file no longer exists.") var forgetMissing = false
    @Option(help: "Forget how far a partly applied non-transactional file got (after undoing its effects by hand).") var resetProgress: String?
    @Option(help: "Seconds to wait for another runner's lock before failing.") var lockWait: Double = 30

    func run() async throws {
        try await CLIErrors.run {
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw CoreError(.invalidArgument, "repair needs --reason \"…\": every change to the history is audited")
            }
            let reset = try resetProgress.map(MigrateCommand.parseVersion)
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover migrate")
            let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
            let migrator = Migrator(target: target, catalog: catalog, lockWaitSeconds: lockWait, logger: logger)
            let report = try await migrator.repair(reason: reason, forgetMissing: forgetMissing, resetProgress: reset)
            for r in report.realigned { print("re-recorded \(r.filename): checksum \(r.recorded.prefix(12))… → \(r.onDisk.prefix(12))…") }
            for f in report.forgotten { print("forgot \(f) (file missing)") }
            for v in report.progressReset { print("reset the progress of V\(String(v).leftPadded(3))") }
            if report.realigned.isEmpty && report.forgotten.isEmpty && report.progressReset.isEmpty {
                print("nothing to repair: every applied file matches its recorded checksum")
            }
        }
    }
}
