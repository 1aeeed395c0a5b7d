import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate rollback [--to V###] [--dry-run]`: undo expand/migrate files, newest first.
struct MigrateRollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Run the rollback sections of applied expand/migrate files in reverse; stops before contract files (irreversible).")
    @OptionGroup var options: GlobalOptions
    @OptionGroup var run: MigrateCommand.RunOptions
    @Option(help: "Keep this version applied and roll back everything above it (default: only the newest file).") var to: String?
    @Flag(help: "Show what would be rolled back, change nothing.") var dryRun = false

    func run() async throws {
        try await CLIErrors.run {
            let version = try to.map(MigrateCommand.parseVersion)
            let (migrator, url) = try await run.migrator(options)
            if dryRun {
                let plan = try await migrator.rollbackPlan(to: version)
                print("would roll back, newest first:")
                for file in plan.files {
                    print("  ↶ \(file.filename) [\(file.phase.rawValue)] with \(file.rollbackStatements.count) statement(s) from \(file.rollbackSource == "section" ? "its rollback section" : file.rollbackSource ?? "?")")
                }
                if let stop = plan.stoppedBefore { print("  stops before \(stop.filename): contract migrations are irreversible") }
                return
            }
            let plan = try await migrator.rollback(to: version) { MigrateCommand.report($0) }
            if let stop = plan.stoppedBefore {
                print("stopped before \(stop.filename): contract migrations are irreversible")
            }
            print("rolled back \(plan.files.count) migration(s) on \(url)")
        }
    }
}
