import ArgumentParser
import CutoverBench
import CutoverCore
import Foundation

/// `cutover bench`: performance figures against their anchors, measured in one run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Cutover against its anchors on a cluster of its own (not part of CI's pass/fail).",
        discussion: "Writes bench.json to --out and prints one table: figure · Cutover · anchor · ratio."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "Customers to seed.") var customers: Int = 200_000
    @Option(help: "Comma-separated scenarios: read, capture, lag, projector, api, http, rebuild, backfill, scale, adoption (default: all).") var scenarios: String = BenchRunner.allScenarios.joined(separator: ",")
    @Option(help: "Output folder (JSON, the bench cluster).") var out: String = "bench-out"
    @Flag(help: "A few minutes: 20k customers, short phases, one lag rate, scale at 5k and 20k.") var quick = false
    @Option(help: "Seconds of sustained load per lag rate.") var lagSeconds: Int = 60
    @Option(help: "Seconds per capture phase (thirteen phases: without capture, with capture and the relay afterwards, without, with capture and the relay streaming meanwhile, …, ending without).") var phaseSeconds: Int = 15
    @Option(help: "Seconds of load per read API phase (read model and legacy, list and detail).") var apiSeconds: Int = 10
    @Option(help: "Offered requests/s of the paced read API phases, comma-separated (16 clients together).") var apiRates: String = "400,1000"

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config, label: "cutover.bench")
            var o = BenchRunner.Options(cutoverBinary: CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
                                            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0],
                                        projectionsDirectory: absolute(config.projectionsDirectory),
                                        migrationsDirectory: absolute(config.migrationsDirectory))
            o.directory = config.directory
            o.adoptionProjectionsDirectory = absolute("examples/pgbench/projections")
            o.binaryVersion = CutoverVersion.current
            o.customers = quick ? 20_000 : customers
            o.scenarios = scenarios.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            o.outDirectory = absolute(out)
            o.lagSeconds = lagSeconds
            o.capturePhaseSeconds = phaseSeconds
            o.apiSeconds = apiSeconds
            o.apiRates = try apiRates.split(separator: ",").map { part in
                guard let rate = Int(part.trimmingCharacters(in: .whitespaces)), (1...100_000).contains(rate) else {
                    throw CoreError(.invalidArgument, "--api-rates: \(part) is not a request rate (1 to 100000 per second)")
                }
                return rate
            }
            let known = Set(BenchRunner.allScenarios)
            if let unknown = o.scenarios.first(where: { !known.contains($0) }) {
                throw CoreError(.invalidArgument, "--scenarios: unknown scenario \(unknown); valid: \(BenchRunner.allScenarios.joined(separator: ", "))")
            }
            if quick {
                o.readSeconds = 2
                o.backfillRows = 200_000
                o.scaleSizes = [5_000, 20_000]
                o.capturePhaseSeconds = 5
                o.lagRates = [1000]
                o.lagSeconds = 15
                o.projectorKeys = 5_000
                o.apiSeconds = 3
            }
            // Unbuffered: progress must show as it happens, also when stdout is a file.
            let say: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
            let report = try await BenchRunner(options: o, logger: logger, progress: { say("… \($0)") }).run()
            say("\n" + report.table() + "\n\nJSON: \(o.outDirectory)/bench.json")
        }
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
