import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate plan`: what `up` would run, with lint findings, blackout decisions and the
/// locks each statement takes, observed in a dry run on a scratch copy of the schema.
struct MigratePlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what `migrate up` would run: statements, the lock each takes (dry run on a scratch schema copy), lint, blackouts.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Plan up to and including this version.") var to: String?
    @Option(help: "Only files of these phases (comma-separated).") var phase: String?
    @Option(help: "Judge blackouts and guards at this time instead of now (YYYY-MM-DD or ISO-8601).") var at: String?
    @Flag(help: "Skip the dry run (no scratch copy, no lock report).") var noDryRun = false

    func run() async throws {
        try await CLIErrors.run {
            try await Self.plan(options: options, to: try to.map(MigrateCommand.parseVersion), phases: try MigrateCommand.parsePhases(phase),
                                at: try at.map(CalendarCommand.parseInstant), dryRun: !noDryRun)
        }
    }

    /// Prints the plan; exits 1 when `up` would stop: a statement of a versioned or changed
    /// repeatable file fails in the dry run, a blackout denies a file, a contract guard does not
    /// hold (checked against the database now, or at `--at`), or the linter reports an error.
    /// It evaluates what `up` evaluates, and `up` refuses what it reports.
    static func plan(options: GlobalOptions, to: Int?, phases: Set<MigrationPhase>, at: Int64? = nil, dryRun: Bool = true) async throws {
        let config = try await options.loadConfig()
        let logger = options.makeLogger(config)
        let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover migrate plan")
        let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
        let calendar = try BlackoutCalendarLoader.load(path: config.blackoutsFile)
        let migrator = Migrator(target: target, catalog: catalog, logger: logger)
        let applied = try await migrator.history()
        let pending = try MigrationPlanner().pending(catalog: catalog, applied: applied, target: to, phases: phases)
        let repeatables = to == nil
            ? MigrationPlanner().repeatablesToApply(catalog: catalog, applied: try await migrator.repeatableHistory(), phases: phases) : []
        let instant = at ?? Int64(Date().timeIntervalSince1970)
        print("plan for \(target.url): \(pending.count) pending file(s)\(repeatables.isEmpty ? "" : ", \(repeatables.count) changed repeatable file(s)")")
        if pending.isEmpty && repeatables.isEmpty { print("nothing to do"); return }
        var blocked = false
        let dryRunReports: (files: [MigrationDryRun.FileReport], repeatables: [MigrationDryRun.RepeatableReport]) =
            dryRun ? try await MigrationDryRun(target: target, logger: logger).run(pending, repeatables: repeatables) : ([], [])
        let reports = dryRunReports.files
        let checker = ContractGuardChecker(calendar: calendar, logger: logger)
        for file in pending {
            print("")
            let mode = file.transactional ? "one transaction" : "statement by statement (resumable)"
            let rollback = file.phase == .contract ? "irreversible" : file.rollbackSource.map { "rollback: \($0 == "section" ? "section" : $0)" } ?? "NO rollback"
            print("\(file.filename)  \(file.phase.rawValue) · \(mode) · \(file.statements.count) statement(s) · \(rollback)")
            let decision = calendar.decision(for: file.phase, atUnix: instant)
            if let period = decision.because.first {
                print("  blackout: \"\(period.period.name)\" (\(period.from) – \(period.to)) → \(decision.policy.rawValue.uppercased())")
                if decision.policy == .deny { blocked = true }
            }
            if !file.guards.isEmpty {
                // The guards `up` checks before this file, against the database as it is now.
                let results = try await Database.withConnection(target, logger: logger) { c in
                    try await checker.check(file.guards, on: c, now: instant)
                }
                for r in results { print("  guard \(r.met ? "✓" : "✗ NOT MET") \(r.guardText) — \(r.detail)") }
                if results.contains(where: { !$0.met }) { blocked = true }
            }
            let findings = MigrationLinter.runner.lint(file)
            for f in findings {
                print("  lint \(f.severity == .error ? "ERROR" : "warning") \(f.rule.rawValue) line \(f.line): \(f.message)")
                print("       instead: \(f.safeAlternative)")
            }
            if findings.contains(where: { $0.severity == .error }) { blocked = true }
            guard let report = reports.first(where: { $0.file.version == file.version }) else {
                if dryRun { print("  (not dry-run: an earlier file failed)") } else {
                    for s in file.statements { print("  line \(String(s.line).leftPad(4))  \(preview(s.sql))") }
                }
                continue
            }
            if printStatements(report.statements) { blocked = true }
        }
        for file in repeatables {
            print("\n\(file.filename)  repeatable (\(file.phase.rawValue)) · changed · one transaction · \(file.statements.count) statement(s)")
            let decision = calendar.decision(for: file.phase, atUnix: instant)
            if let period = decision.because.first {
                print("  blackout: \"\(period.period.name)\" (\(period.from) – \(period.to)) → \(decision.policy.rawValue.uppercased())")
                if decision.policy == .deny { blocked = true }
            }
            guard let report = dryRunReports.repeatables.first(where: { $0.file.filename == file.filename }) else {
                if dryRun { print("  (not dry-run: an earlier file failed)") }
                continue
            }
            if printStatements(report.statements) { blocked = true }
        }
        print("")
        print(blocked ? "`migrate up` would stop: see FAILS / DENY / NOT MET / lint errors above" : "`migrate up` would apply the above")
        if blocked { throw ExitCode(CLIErrors.checkFailed) }
    }

    /// Prints each statement with its locks or its failure; returns whether one failed.
    static func printStatements(_ statements: [MigrationDryRun.StatementReport]) -> Bool {
        for s in statements {
            print("  line \(String(s.line).leftPad(4))  \(preview(s.sql))")
            if let error = s.error { print("             FAILS: \(error)") }
            for lock in s.locks {
                print("             \(lock.displayMode) on \(lock.relation) — \(lock.effect)\(lock.observed ? "" : " (documented)")")
            }
        }
        return statements.contains { $0.error != nil }
    }

    static func preview(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: { $0 == "\n" || $0 == "\t" }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("--") }.joined(separator: " ")
        return flat.count > 72 ? String(flat.prefix(71)) + "…" : flat
    }
}
