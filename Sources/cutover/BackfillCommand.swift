import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover backfill …`: migrate-phase data moves declared in `migrations/backfills/<name>.sql`.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Run batched, resumable data moves declared in migrations/backfills/<name>.sql.",
        discussion: "Exit codes: 64 unknown backfill (the known ones are listed) · 65 malformed definition, changed definition, failed batch · 75 another runner holds the backfill's lock, or locks not granted after the retries.",
        subcommands: [Run.self, List.self, Status.self],
        defaultSubcommand: Run.self
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run (or resume) a backfill batch by batch: `cutover backfill <name>`.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The backfill's name (its file in migrations/backfills without .sql).") var name: String
        @Option(help: "Rows per batch (default: the definition's batch-size, else 5000).") var batchSize: Int?
        @Option(help: "Pause after every batch, in milliseconds.") var throttleMs: Int = 0
        @Option(help: "At most this many source rows per second.") var maxRowsPerSecond: Int?
        @Flag(help: "Work territory by territory (the definition's partitions, in order).") var byTerritory = false
        @Flag(help: "Forget the recorded progress (also of a changed definition) and start from the first key.") var restart = false
        @Flag(help: "Show what would run (partitions, rows left, the batch statement); change nothing.") var dryRun = false
        @Flag(help: "Run even though a blackout period denies migrate-phase work (needs --reason).") var overrideBlackout = false
        @Option(help: "Why: required with --override-blackout.") var reason: String?

        func validate() throws {
            if let batchSize, !(1...1_000_000).contains(batchSize) { throw ValidationError("--batch-size must be from 1 to 1000000") }
            if throttleMs < 0 { throw ValidationError("--throttle-ms must not be negative") }
            if let maxRowsPerSecond, maxRowsPerSecond < 1 { throw ValidationError("--max-rows-per-second must be at least 1") }
        }

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let definition = try BackfillSource.load(name, migrations: config.migrationsDirectory)
                let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover backfill \(name)")
                if dryRun {
                    let plan = try await BackfillInspector.plan(definition, byPartition: byTerritory, target: target, logger: logger)
                    print(BackfillCommand.describe(definition, plan: plan, batchSize: batchSize ?? definition.batchSize))
                    return
                }
                // A backfill is migrate-phase work: the business calendar may deny or throttle it.
                var throttle = throttleMs
                let calendar = try BlackoutCalendarLoader.load(path: config.blackoutsFile)
                let now = Int64(Date().timeIntervalSince1970)
                let decision = calendar.decision(for: .migrate, atUnix: now)
                if let period = decision.because.first {
                    let until = calendar.timeZone.format(period.endsAt)
                    switch decision.policy {
                    case .deny where !overrideBlackout:
                        throw CoreError(.blackout, "refusing to run backfill \(name) during blackout \"\(period.period.name)\" (\(period.from) – \(period.to), \(calendar.timeZone.rawValue)), which denies migrate-phase work until \(until); wait, or pass --override-blackout --reason \"…\"",
                                        context: ["period": period.period.name])
                    case .deny:
                        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                            throw CoreError(.invalidArgument, "--override-blackout needs --reason \"…\"")
                        }
                        print("OVERRIDE: running inside blackout \"\(period.period.name)\" (reason: \(reason))")
                        logger.notice("backfill runs inside a blackout", metadata: ["period": "\(period.period.name)", "reason": "\(reason)"])
                    case .throttle:
                        throttle = max(throttle, BackfillCommand.blackoutThrottleMilliseconds)
                        print("note: blackout \"\(period.period.name)\" throttles migrate-phase work until \(until): pausing \(throttle) ms after every batch")
                    case .allow:
                        break
                    }
                }
                var runOptions = BackfillRunner.Options()
                runOptions.batchSize = batchSize
                runOptions.throttleMilliseconds = throttle
                runOptions.maxRowsPerSecond = maxRowsPerSecond
                runOptions.byPartition = byTerritory
                runOptions.restart = restart
                let printer = BackfillProgressPrinter()
                try await BackfillRunner(target: target, definition: definition, options: runOptions, logger: logger).run { printer.handle($0) }
            }
        }
    }

    /// The pause between batches while a blackout period throttles migrate-phase work.
    static let blackoutThrottleMilliseconds = 250

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the backfill definitions and their progress.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let names = try BackfillSource.names(migrations: config.migrationsDirectory)
                var definitions: [(name: String, checksum: String?)] = []
                var descriptions: [String: String] = [:]
                for name in names {
                    // A malformed file is listed as such; `cutover backfill <name>` shows the error.
                    let d = try? BackfillSource.load(name, migrations: config.migrationsDirectory)
                    definitions.append((name, d?.checksum))
                    descriptions[name] = d.map { $0.description } ?? "MALFORMED (run it to see why)"
                }
                let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover backfill")
                let states = try await BackfillInspector.states(definitions, target: target, logger: logger)
                let rows = states.map { s in
                    [s.name, s.status, BackfillProgressPrinter.count(s.rowsDone), BackfillProgressPrinter.count(s.batches),
                     s.progress.map(\.updatedAt).max() ?? "-", descriptions[s.name] ?? ""]
                }
                print(rows.isEmpty ? "no backfills in \(BackfillSource.directory(migrations: config.migrationsDirectory))"
                      : TextTable.render(["BACKFILL", "STATE", "ROWS DONE", "BATCHES", "UPDATED", "DESCRIPTION"], rows))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one backfill's progress, partition by partition.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The backfill's name.") var name: String

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let definition = try BackfillSource.load(name, migrations: config.migrationsDirectory)
                let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover backfill")
                guard let state = try await BackfillInspector.states([(name, definition.checksum)], target: target, logger: logger).first else { return }
                var lines = ["backfill \(name): \(state.status)\(state.holder.map { " (\($0))" } ?? "")",
                             "rows done \(BackfillProgressPrinter.count(state.rowsDone)), changed \(BackfillProgressPrinter.count(state.rowsChanged)), "
                                + "batches \(BackfillProgressPrinter.count(state.batches)), longest batch " + String(format: "%.1f ms", state.longestBatchMilliseconds)]
                if !state.progress.isEmpty {
                    lines.append("")
                    lines.append(TextTable.render(["PARTITION", "STATE", "LAST KEY", "ROWS DONE", "BATCHES", "LONGEST MS", "STARTED", "FINISHED"],
                                                  state.progress.map { row in
                        [row.partition.isEmpty ? "(all)" : row.partition, row.status, row.lastKey.map(String.init) ?? "-",
                         BackfillProgressPrinter.count(row.rowsDone), BackfillProgressPrinter.count(row.batches),
                         String(format: "%.1f", row.longestBatchMilliseconds), row.startedAt, row.finishedAt ?? "-"]
                    }))
                }
                print(lines.joined(separator: "\n"))
            }
        }
    }

    static func describe(_ d: BackfillDefinition, plan: [BackfillPlanEntry], batchSize: Int) -> String {
        let left = plan.reduce(Int64(0)) { $0 + $1.rowsLeft }
        let batches = plan.reduce(Int64(0)) { $0 + ($1.rowsLeft + Int64(batchSize) - 1) / Int64(batchSize) }
        var lines = ["dry run of backfill \(d.name) (\(d.filename), checksum \(d.checksum.prefix(12))): nothing is changed",
                     "source \(d.source), key \(d.key), batch size \(batchSize), lock_timeout \(d.lockTimeoutMilliseconds) ms, statement_timeout \(d.statementTimeoutMilliseconds) ms",
                     "\(BackfillProgressPrinter.count(left)) rows left in about \(BackfillProgressPrinter.count(batches)) batches", ""]
        lines.append(TextTable.render(["PARTITION", "AFTER KEY", "ROWS LEFT"], plan.map { e in
            [e.partition ?? "(all)", e.finished ? "finished" : e.lastKey.map(String.init) ?? "start", BackfillProgressPrinter.count(e.rowsLeft)]
        }))
        lines.append("")
        lines.append("each batch: BEGIN; SET LOCAL lock_timeout/statement_timeout; the statement below; progress row; COMMIT")
        lines.append(d.statement.translated)
        return lines.joined(separator: "\n")
    }
}
