import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate …`: versioned migrations with history and checksums.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply and inspect versioned migrations (migrations/V###__name.sql).",
        subcommands: [Up.self, Status.self, MigrateLintCommand.self],
        defaultSubcommand: Up.self
    )

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations in version order (one runner at a time).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Apply up to and including this version (e.g. 3 or V003).") var to: String?
        @Option(help: "Only files of these phases: expand, migrate, contract (comma-separated).") var phase: String?
        @Option(help: "Seconds to wait for another runner's lock before failing.") var lockWait: Double = 30

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try options.databaseTarget(config, logger: logger, applicationName: "cutover migrate")
                let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
                let migrator = Migrator(target: target, catalog: catalog, lockWaitSeconds: lockWait, logger: logger)
                let applied = try await migrator.up(to: try to.map(MigrateCommand.parseVersion), phases: try MigrateCommand.parsePhases(phase)) { event in
                    MigrateCommand.report(event)
                }
                print(applied.isEmpty ? "database \(target.url) is up to date" : "applied \(applied.count) migration(s) to \(target.url)")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show applied and pending migrations and any checksum drift.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try options.databaseTarget(config, logger: logger, applicationName: "cutover migrate")
                let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
                let entries = try await Migrator(target: target, catalog: catalog, logger: logger).status()
                print(MigrateCommand.table(entries))
                if entries.contains(where: { if case .checksumDrift = $0.status { true } else if case .missingFile = $0.status { true } else { false } }) {
                    throw ExitCode(CLIErrors.dataError)
                }
            }
        }
    }

    static func parseVersion(_ text: String) throws -> Int {
        let digits = text.uppercased().hasPrefix("V") ? String(text.dropFirst()) : text
        guard let v = Int(digits), v > 0 else { throw CoreError(.invalidArgument, "--to \(text): expected a version such as 3 or V003") }
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

    static func report(_ event: MigrationEvent) {
        switch event {
        case .waitingForLock(let holder): print("waiting for the migration lock held by \(holder) …")
        case .lockAcquired: break
        case .nothingToDo: print("no pending migrations")
        case .started(let file): print("→ \(file.filename) [\(file.phase.rawValue)], \(file.statements.count) statement(s)")
        case .statementFinished(let file, let index, let total):
            if total >= 50, index % max(1, total / 10) == 0 { print("  \(file.filename): \(index)/\(total) statements") }
        case .finished(let file, let ms): print("✓ \(file.filename) in \(ms) ms")
        }
    }

    static func table(_ entries: [MigrationPlanner.Entry]) -> String {
        var lines = ["VERSION  PHASE     STATE          FILE                                      APPLIED"]
        for e in entries {
            let state: String
            var applied = ""
            switch e.status {
            case .applied(let row): state = "applied"; applied = "\(row.appliedAt) by \(row.appliedBy) (\(row.durationMilliseconds) ms)"
            case .pending: state = "pending"
            case .checksumDrift: state = "CHECKSUM DRIFT"
            case .missingFile(let row): state = "FILE MISSING"; applied = row.appliedAt
            case .outOfOrder: state = "out of order"
            }
            lines.append(["V" + String(format: "%03d", e.version), e.phase.rawValue, state, e.filename].padded([8, 9, 14, 41]) + " " + applied)
        }
        if entries.isEmpty { lines.append("(no migration files)") }
        return lines.joined(separator: "\n")
    }
}
