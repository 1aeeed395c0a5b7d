import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover init`: installs the engine schema into the target database.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Install Cutover's engine schema (schema cutover, roles, change capture) into the target database.",
        discussion: """
            Installs every engine step this binary carries (recorded in cutover.engine_version), stores the \
            application's directory queries (readers.territories, readers.users) and sets up change capture: \
            --capture wal (default) creates publication cutover_capture and this database's logical replication \
            slot and needs wal_level = logical and a role with REPLICATION; --capture triggers needs neither and \
            costs writers a trigger per captured row. Which tables are captured follows the projections: \
            `cutover projections apply`. Running init again completes an interrupted run and changes nothing else.
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "How changes are captured: wal (logical decoding, default) or triggers (fallback without wal_level = logical).")
    var capture: String = "wal"
    @Flag(help: "Print what init would do and change nothing.") var dryRun = false
    @Option(help: "Seconds to wait for another init or upgrade before failing.") var lockWait: Double = 30

    func run() async throws {
        try await CLIErrors.run {
            guard let mode = EngineInstaller.CaptureMode(rawValue: capture) else {
                throw CoreError(.invalidArgument, "--capture must be wal or triggers, not \(capture)")
            }
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config)
            let target = try options.databaseTarget(config, logger: logger, applicationName: "cutover init")
            var installer = EngineInstaller(target: target, binaryVersion: CutoverVersion.current, logger: logger)
            installer.lockWaitSeconds = lockWait
            let plan = try await installer.install(capture: mode, directory: config.directory, dryRun: dryRun, progress: Self.report)
            Self.summarize(plan, dryRun: dryRun, database: target.url.database, verb: "init",
                           next: "cutover migrate (the application's migrations), cutover projections apply, cutover project")
        }
    }

    static func report(_ event: EngineInstaller.Event) {
        switch event {
        case .waitingForLock(let holder):
            print("waiting for the engine lock (held by \(holder))")
        case .stepInstalled(let step, let ms):
            print("installed engine step \(step.version) \(step.name) (\(ms) ms)")
        case .lockTimeout(let step, let attempt, let of):
            print("engine step \(step): lock_timeout, retrying (\(attempt)/\(of))")
        case .setting(let key, let value):
            print("set \(key) = \(value)")
        case .note(let text):
            print("note: \(text)")
        case .captureReady(let mode, let slot):
            print("capture: \(mode.rawValue)" + (slot.map { " (publication \(CaptureSQL.publication), slot \($0))" } ?? " (a trigger per captured table)"))
        }
        fflush(nil)
    }

    static func summarize(_ plan: EngineInstaller.Plan, dryRun: Bool, database: String, verb: String, next: String? = nil) {
        if dryRun {
            print("\(verb) --dry-run: database \(database) has engine version \(plan.installedVersion), this binary installs \(EngineSchema.version); nothing was changed")
            for line in plan.lines { print("  \(line)") }
            return
        }
        if plan.pending.isEmpty {
            print("engine version \(EngineSchema.version) is installed in \(database); no step to install")
        } else {
            print("engine version \(EngineSchema.version) installed in \(database) (was \(plan.installedVersion))")
        }
        if let next { print("next: \(next)") }
    }
}
