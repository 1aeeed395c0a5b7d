import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate …`: versioned migrations with phases, history, checksums, rollback and blackouts.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Plan, apply, roll back and inspect migrations (migrations/V###__name.sql, U###, R__).",
        subcommands: [Up.self, Status.self, MigratePlanCommand.self, MigrateRollbackCommand.self, MigrateRepairCommand.self, MigrateBaselineCommand.self,
                      MigrateNewCommand.self, MigrateNumberCommand.self, MigrateLintCommand.self],
        defaultSubcommand: Up.self
    )

    /// Options shared by commands that change the database.
    struct RunOptions: ParsableArguments {
        @Option(help: "Seconds to wait for another runner's lock before failing.") var lockWait: Double = 30
        @Option(help: "lock_timeout per statement in ms (default: migrations.lockTimeoutMilliseconds, 1000).") var lockTimeout: Int?
        @Option(help: "Tries when lock_timeout strikes (default: migrations.lockRetries, 10).") var lockRetries: Int?
        @Flag(help: "Run even though a blackout period denies this phase (needs --reason; recorded in the history).") var overrideBlackout = false
        @Option(help: "Why: required with --override-blackout.") var reason: String?

        func migrator(_ options: GlobalOptions, application: String = "cutover migrate") async throws -> (Migrator, String) {
            if overrideBlackout && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw CoreError(.invalidArgument, "--override-blackout needs --reason \"…\": the override is recorded in the migration history")
            }
            if let lockTimeout, lockTimeout < 1 { throw CoreError(.invalidArgument, "--lock-timeout must be at least 1 ms") }
            if let lockRetries, !(1...100).contains(lockRetries) { throw CoreError(.invalidArgument, "--lock-retries must be between 1 and 100") }
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            // The files and the calendar first: bad input is reported before anything connects.
            let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
            var timeouts = config.migrationTimeouts
            if let lockTimeout { timeouts.lockTimeoutMilliseconds = lockTimeout }
            if let lockRetries { timeouts.lockRetries = lockRetries }
            let calendar = try BlackoutCalendarLoader.load(path: config.blackoutsFile)
            let target = try await options.engineTarget(config, logger: logger, applicationName: application)
            let migrator = Migrator(target: target, catalog: catalog, lockWaitSeconds: lockWait, timeouts: timeouts, calendar: calendar,
                                    blackoutOverride: overrideBlackout ? reason : nil, logger: logger)
            return (migrator, "\(target.url)")
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations in version order, then changed repeatable files (one runner at a time).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var run: RunOptions
        @Option(help: "Apply up to and including this version (e.g. 3 or V003).") var to: String?
        @Option(help: "Only files of these phases: expand, migrate, contract (comma-separated).") var phase: String?
        @Flag(help: "Change nothing: show the plan (as `migrate plan`) from a dry run on a scratch copy of the schema.") var dryRun = false

        func run() async throws {
            try await CLIErrors.run {
                let version = try to.map(MigrateCommand.parseVersion)
                let phases = try MigrateCommand.parsePhases(phase)
                if dryRun {
                    try await MigratePlanCommand.plan(options: options, to: version, phases: phases)
                    return
                }
                var (migrator, url) = try await run.migrator(options)
                migrator.refusesLintErrors = true
                let interrupt = MigrationInterrupt(target: migrator.target, logger: migrator.logger)
                migrator.onSession = { pid in interrupt.sessionStarted(pid) }
                interrupt.install()
                let applied: [MigrationFile]
                do {
                    applied = try await migrator.up(to: version, phases: phases) { event in
                        interrupt.observe(event)
                        MigrateCommand.report(event)
                        // Progress reaches a file or a pipe as it happens, also when interrupted.
                        fflush(nil)
                    }
                    interrupt.finish()
                } catch {
                    interrupt.finish()
                    guard interrupt.wasInterrupted else { throw error }
                    await interrupt.report()
                    throw ExitCode(130)
                }
                print(applied.isEmpty ? "database \(url) is up to date" : "applied \(applied.count) migration(s) to \(url)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show applied and pending migrations by phase, checksum drift and out-of-order files.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover migrate")
                let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
                let migrator = Migrator(target: target, catalog: catalog, logger: logger)
                let entries = try await migrator.status()
                let repeatables = try await migrator.repeatableHistory()
                let partials = try await Database.withConnection(target, logger: logger) { connection in
                    try await MigrationHistoryReader.partials(connection, logger: logger)
                }
                print(MigrateCommand.table(entries))
                for p in partials {
                    print("PARTLY APPLIED: \(p.filename), \(p.done) of \(p.total) statements done; `migrate up` resumes at statement \(p.done + 1)"
                          + (p.lastError.map { "\n  last error: \($0)" } ?? ""))
                }
                if !catalog.repeatables.isEmpty { print(""); print(MigrateCommand.repeatableTable(catalog, repeatables)) }
                let summary = MigrateCommand.summary(entries)
                if !summary.isEmpty { print(""); print(summary) }
                if entries.contains(where: { if case .checksumDrift = $0.status { true } else if case .missingFile = $0.status { true } else { false } }) {
                    throw ExitCode(CLIErrors.dataError)
                }
            }
        }
    }

    static func parseVersion(_ text: String) throws -> Int {
        let digits = text.uppercased().hasPrefix("V") ? String(text.dropFirst()) : text
        guard let v = Int(digits), v > 0 else { throw CoreError(.invalidArgument, "\(text): expected a version such as 3 or V003") }
        return v
    }

    static func parsePhases(_ text: String?) throws -> Set<MigrationPhase> {
        guard let text else { return Set(MigrationPhase.allCases) }
        var out = Set<MigrationPhase>()
        for part in text.split(separator: ",") {
            guard let p = MigrationPhase(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw CoreError(.invalidArgument, "--phase \(part): unknown phase; valid: expand, migrate, contract")
            }
            out.insert(p)
        }
        return out
    }
}
