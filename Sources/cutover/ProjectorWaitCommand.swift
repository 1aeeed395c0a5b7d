import ArgumentParser
import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation

extension ProjectorCommand {
    /// `cutover projector wait`: blocks until every projection has applied everything committed
    /// before the command started (relayed from the WAL past that point, then applied), or fails
    /// after `--timeout`. For scripts (`scripts/chaos.sh`), deploys and runbooks.
    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait until the read models have caught up with everything committed before now (exit 0), or fail after --timeout (exit 75).",
            discussion: "Needs a running projector (`cutover project`). Prints what is still pending every 5 seconds."
        )
        @OptionGroup var options: GlobalOptions
        @Option(help: "Give up after this many seconds.") var timeout: Double = 120

        func validate() throws {
            guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
        }

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover projector wait")
                let projections = try ProjectorCommandSupport.projections(config, only: nil)
                let admin = ProjectorAdmin(target: target, logger: logger)
                let since = try await admin.currentWAL()
                let start = ContinuousClock.now
                let deadline = start + .milliseconds(Int64(timeout * 1000))
                var lastReport = start
                while true {
                    if try await admin.caughtUp(projections, since: since) {
                        print(String(format: "caught up with WAL %@ in %.1f s", since.description, (ContinuousClock.now - start).seconds))
                        return
                    }
                    let now = ContinuousClock.now
                    if now >= deadline || now - lastReport >= .seconds(5) {
                        let rows = try await admin.status(projections)
                        let pending = rows.map { "\($0.projection) \($0.installed ? "\($0.pendingChanges) pending, lag \(String(format: "%.1f", $0.lagSeconds)) s" : "not built")" }
                        let capture = try await admin.captureStatus()
                        let relay = capture.map { "; capture slot \($0.streaming ? "streaming" : "not streamed"), \($0.behindBytes / 1024) kB of WAL not yet relayed" } ?? ""
                        if now >= deadline {
                            throw DatabaseError(.notCaughtUp, String(format: "not caught up with WAL %@ after %.0f s: %@%@ (is `cutover project` running?)",
                                                                 since.description, timeout, pending.joined(separator: ", "), relay))
                        }
                        print("waiting: \(pending.joined(separator: ", "))\(relay)")
                        lastReport = now
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }
}
