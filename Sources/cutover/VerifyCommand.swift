import ArgumentParser
import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation

/// `cutover verify`: read models against a recomputation from the write tables.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare read tables with a recomputation from the write tables (exit 1 on drift).",
        discussion: """
            Each projection is compared on one consistent snapshot (REPEATABLE READ): the recompute and the \
            read table are read from the same instant, so changes the projector has not applied yet show as drift \
            only if they were committed before that instant. Run it when the projector is caught up \
            (`cutover projector status` shows 0 pending) or re-run it to see whether a difference persists. \
            For up to 20 differing keys it prints the columns that differ, the read table's value and the \
            recomputed one (`differences` in JSON; values cut at 200 characters).
            """
    )
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Projections to verify (default: all).") var projections: [String] = []
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table
    @Flag(help: "Compare every key (the default).") var full = false
    @Option(help: "Compare N random keys of the write tables plus N random rows of each read table instead of all.") var sample: Int?

    func validate() throws {
        if let sample, sample < 1 { throw ValidationError("--sample needs a positive number of keys, not \(sample)") }
        if full, sample != nil { throw ValidationError("--full and --sample exclude each other") }
    }

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover verify")
            let all = try ProjectorCommandSupport.projections(config, only: projections.isEmpty ? nil : projections.joined(separator: ","))
            let reports = try await Database.withConnection(target, logger: logger) { c in
                var out: [ProjectionVerifier.Report] = []
                for p in all { out.append(try await ProjectionVerifier(projection: p, logger: logger).verify(on: c, sample: sample)) }
                // Recorded for contract guards ("verify customer_overview clean within 24h") and the console.
                for r in out {
                    try await VerifyRunStore(logger: logger).record(on: c, projection: r.projection, full: sample == nil, clean: r.isClean,
                                                                    rows: Int64(r.rows), drift: Int64(r.missing + r.extra + r.differing))
                }
                return out
            }
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(["projections": reports]), as: UTF8.self))
            case .table:
                if let sample { print("sample: up to \(sample) random keys of the write tables and \(sample) random rows of each read table") }
                print(["PROJECTION", "ROWS", "MISSING", "EXTRA", "DIFFERING", "STATE"].padded([20, 9, 8, 6, 10]))
                for r in reports {
                    print([r.projection, "\(r.rows)", "\(r.missing)", "\(r.extra)", "\(r.differing)", r.isClean ? "clean" : "DRIFT"].padded([20, 9, 8, 6, 10]))
                    if !r.missingKeys.isEmpty { print("  missing keys: \(r.missingKeys.joined(separator: ", "))") }
                    if !r.extraKeys.isEmpty { print("  extra keys: \(r.extraKeys.joined(separator: ", "))") }
                    if !r.differingKeys.isEmpty { print("  differing keys: \(r.differingKeys.joined(separator: ", "))") }
                    // Which columns differ and how, so a CI log can be read without the database.
                    for difference in r.differences { print("  \(difference.summary)") }
                }
            }
            if reports.contains(where: { !$0.isClean }) { throw ExitCode(CLIErrors.checkFailed) }
        }
    }
}
