import ArgumentParser
import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Synchronization

/// `cutover rebuild <projection>`: zero-downtime rebuild through a shadow table, or a partial
/// in-place recompute with `--keys`/`--where`; `cutover rebuild cleanup` drops replaced tables.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild a projection into a shadow table, catch up, verify and swap readers atomically.",
        subcommands: [Run.self, Cleanup.self],
        defaultSubcommand: Run.self
    )

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Build the projection's current definition beside the live table and swap readers (resumable).",
            discussion: """
                The projector keeps the live table current meanwhile; readers never see an empty or half-built table. \
                Re-run the same command after a crash: it resumes. With --keys or --where only those keys are \
                recomputed in place in the live table.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The projection (a folder in projections/).") var projection: String
        @Option(help: "Recompute only these keys in place (comma-separated).") var keys: String?
        @Option(help: "Recompute in place the keys of live rows matching this SQL condition, e.g. \"territory_code = 'DE-BY'\".") var `where`: String?
        @Option(help: "Keys per transaction (default 100000 for a full rebuild into the shadow, 2000 in place).") var batch: Int?
        @Flag(help: "Drop the replaced table right after the swap (default: keep it for --grace-hours).") var dropOld = false
        @Option(help: "Hours to keep the replaced table before `cutover rebuild cleanup` drops it.") var graceHours: Double = 24
        @Flag(help: "Swap without comparing the shadow with a recomputation first.") var noVerify = false
        @Option(help: "Connections filling the shadow at once (default: cores, at most 4; 1 to spare the server).") var jobs: Int?
        @Option(help: "Keys compared before the swap (random keys of both sides).") var verifySample: Int = 5_000
        @Flag(help: "Compare every key before the swap instead of a sample (slower: about a second full recompute).") var fullVerify = false

        func validate() throws {
            if let batch, batch < 1 || batch > 1_000_000 { throw ValidationError("--batch must be between 1 and 1000000") }
            if let jobs, !(1...16).contains(jobs) { throw ValidationError("--jobs must be between 1 and 16") }
            if graceHours < 0 { throw ValidationError("--grace-hours must not be negative") }
            if verifySample < 1 { throw ValidationError("--verify-sample must be at least 1") }
            if keys != nil && `where` != nil {
                throw ValidationError("--keys and --where both choose the keys to recompute; give one (run the command twice for both)")
            }
            if keys != nil || `where` != nil {
                let flag = keys != nil ? "--keys" : "--where"
                if dropOld { throw ValidationError("--drop-old needs a full rebuild: \(flag) recomputes in place and replaces no table") }
                if noVerify || fullVerify { throw ValidationError("--no-verify and --full-verify apply to a full rebuild; \(flag) recomputes in place without a swap to verify") }
            }
            if noVerify && fullVerify { throw ValidationError("--no-verify and --full-verify contradict each other; give one") }
        }

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover rebuild")
                guard let definition = try ProjectorCommandSupport.projections(config, only: projection).first else { return }
                let inPlace = keys != nil || `where` != nil
                var rebuilder = ProjectionRebuilder(projection: definition, target: target, batchSize: batch ?? (inPlace ? 2_000 : 100_000),
                                                    graceSeconds: Int(graceHours * 3600),
                                                    dropOld: dropOld, verify: !noVerify, verifySample: fullVerify ? nil : verifySample, logger: logger)
                if let jobs { rebuilder.jobs = jobs }
                let bar = ProgressLine(label: definition.name)
                if inPlace {
                    let list = keys.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                    let done = try await rebuilder.rebuildInPlace(keys: list, where: `where`) { event in
                        if case .filled(let done, let total) = event { bar.update(done: done, total: total, unit: "keys") }
                    }
                    bar.finish()
                    print("recomputed \(done) key(s) of \(definition.name) in place")
                    return
                }
                let result = try await rebuilder.run { event in
                    switch event {
                    case .started(let shadow, let resumed):
                        print(resumed ? "resuming the rebuild into \(shadow)" : "building \(definition.name) v\(definition.version) into \(shadow)")
                    case .filled(let done, let total): bar.update(done: done, total: total, unit: "keys")
                    case .indexed(let ms): bar.finish(); print("indexes built in \(ms) ms")
                    case .caughtUp(let changes): print("caught up: \(changes) change(s) applied since the build started")
                    case .verified(let report):
                        let scope = report.sampledKeys.map { "\($0) sampled keys" } ?? "every key"
                        print("verified (\(scope)): \(report.rows) rows, missing \(report.missing), extra \(report.extra), differing \(report.differing)")
                    case .swapped(let old, let new): print("swapped: readers now read \(new) (was \(old))")
                    case .droppedOld(let table): print("dropped \(table)")
                    }
                }
                print("rebuilt \(definition.name): \(result.keys) keys in \(String(format: "%.1f", Double(result.milliseconds) / 1000)) s"
                      + (dropOld ? "" : "; \(result.oldTable) is kept for \(graceHours) h (`cutover rebuild cleanup` drops it after)"))
            }
        }
    }

    struct Cleanup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop tables replaced by rebuilds whose grace period has passed.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Drop every replaced table now, grace period or not.") var all = false

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover rebuild")
                let dropped = try await ProjectionRebuilder.cleanup(target: target, all: all, logger: logger)
                print(dropped.isEmpty ? "nothing to clean up" : dropped.map { "dropped \($0)" }.joined(separator: "\n"))
            }
        }
    }
}

/// A progress line: done/total, rate and ETA; redrawn in place on a terminal, every 10% otherwise.
final class ProgressLine: Sendable {
    private let label: String
    private let start = ContinuousClock.now
    private let state = Mutex<(lastPercent: Int, drawn: Bool)>((-1, false))
    private let tty = isatty(STDOUT_FILENO) == 1

    init(label: String) { self.label = label }

    func update(done: Int, total: Int, unit: String) {
        let seconds = max(0.001, (ContinuousClock.now - start).seconds)
        let rate = Double(done) / seconds
        let percent = total > 0 ? done * 100 / total : 100
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = "\(label): \(done)/\(total) \(unit) (\(percent)%) · \(Int(rate)) \(unit)/s · ETA \(Int(eta.rounded())) s"
        state.withLock { s in
            if tty {
                FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
                s.drawn = true
            } else if percent / 10 != s.lastPercent / 10 || done == total {
                print(line)
            }
            s.lastPercent = percent
        }
    }

    func finish() {
        state.withLock { s in
            if s.drawn { FileHandle.standardOutput.write(Data("\n".utf8)); s.drawn = false }
        }
    }
}
