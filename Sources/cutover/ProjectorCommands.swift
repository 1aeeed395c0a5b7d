import ArgumentParser
import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging
import ServiceLifecycle
import CutoverServer

/// `cutover project`: run the projector until SIGINT/SIGTERM.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Run the projector: keep the read models current from the change log (Ctrl-C stops after the current batch)."
    )
    @OptionGroup var options: GlobalOptions
    @Option(help: "Only these projections (comma-separated); default all.") var only: String?

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config, label: "cutover.projector")
            let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover projector")
            let projections = try ProjectorCommandSupport.projections(config, only: only)
            // Every source table exists in this database and is captured as projections/ says (all of
            // them, also with --only): refuse before building anything.
            let all = try ProjectionLoader.load(directory: config.projectionsDirectory)
            try await Database.withConnection(target, logger: logger) { connection in
                try await CaptureApplier(directory: config.projectionsDirectory, logger: logger).requireCurrent(all, on: connection)
            }
            let service = ProjectorService(projections: projections, target: target, settings: ProjectorSettings(config.projector), logger: logger)
            let registry = OperationsServer.bootstrapMetrics()
            let host = config.http.host
            let names = projections.map(\.name).joined(separator: ", ")
            let http = OperationsServer.application(host: host, port: config.http.port, registry: registry,
                                                    readiness: ProjectorCommandSupport.readiness(target, projections, logger: logger), logger: logger) { port in
                // The port actually bound (with http.port=0, the one the system chose), once it listens.
                FileHandle.standardOutput.write(Data("projecting \(names) from \(target.url); metrics and health on http://\(host):\(port) (/metrics, /health/ready); Ctrl-C to stop\n".utf8))
            }
            try await ProcessServices.run([service, http], http: (host, config.http.port), logger: logger)
        }
    }
}

/// `cutover projector status | retry | dead-letters`.
struct ProjectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projector",
        abstract: "Inspect and repair projections.",
        subcommands: [Status.self, Wait.self, Retry.self, Recompute.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per projection: checkpoint, pending changes, lag, dead letters.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Output format: table or json.") var format: OutputFormat = .table

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger)
                let projections = try ProjectorCommandSupport.projections(config, only: nil)
                let admin = ProjectorAdmin(target: target, logger: logger)
                let rows = try await admin.status(projections)
                let letters = try await admin.deadLetters()
                let capture = try await admin.captureStatus()
                switch format {
                case .json:
                    struct Output: Encodable {
                        var projections: [ProjectorAdmin.Status]
                        var capture: ProjectorAdmin.CaptureStatus?
                    }
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    print(String(decoding: try encoder.encode(Output(projections: rows, capture: capture)), as: UTF8.self))
                case .table:
                    print(["PROJECTION", "VERSION", "PENDING", "LAG", "DEAD", "PROCESSED", "LAST BATCH"].padded([20, 8, 9, 10, 6, 11]))
                    for r in rows {
                        print([r.projection, r.installed ? "v\(r.version ?? 0)" : "absent", "\(r.pendingChanges)",
                               String(format: "%.3f s", r.lagSeconds), "\(r.deadLetters)", "\(r.processedChanges)", r.lastBatchAt ?? "-"]
                            .padded([20, 8, 9, 10, 6, 11]))
                    }
                    if let c = capture {
                        func size(_ b: Int64) -> String {
                            b >= 1 << 20 ? String(format: "%.1f MB", Double(b) / 1_048_576) : b >= 1024 ? "\(b / 1024) kB" : "\(b) bytes"
                        }
                        print("capture: slot \(c.slot) \(c.streaming ? "streaming" : "not streamed (no projector running)"); "
                              + "\(size(c.behindBytes)) of WAL not yet relayed, relay lag \(String(format: "%.3f", c.relayLagSeconds)) s, \(size(c.retainedBytes)) retained (\(c.walStatus ?? "-")); "
                              + "\(c.relayedChanges) change(s) relayed, relay last active at \(c.relayedAt ?? "-")")
                    } else {
                        print("capture: no slot for this database yet (a projector creates it on start)")
                    }
                    for l in letters.prefix(20) {
                        print("dead letter: \(l.projection) key \(l.key) (\(l.attempts) attempt(s)): \(l.error)")
                    }
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute dead-lettered keys (all, or --key …).")
        @OptionGroup var options: GlobalOptions
        @Option(name: .customLong("key"), help: "Only this key (repeatable).") var keys: [String] = []

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger)
                let projections = try ProjectorCommandSupport.projections(config, only: nil)
                let (fixed, failing) = try await ProjectorAdmin(target: target, logger: logger).retry(projections, keys: keys.isEmpty ? nil : keys)
                print("recomputed \(fixed) dead-lettered key(s); \(failing) still failing")
                if failing > 0 { throw ExitCode(CLIErrors.checkFailed) }
            }
        }
    }
}

extension ProjectorCommand {
    struct Recompute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute keys of one projection now (repair drift that verify found).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The projection.") var projection: String
        @Option(name: .customLong("key"), help: "A key to recompute (repeatable).") var keys: [String] = []

        func run() async throws {
            try await CLIErrors.run {
                guard !keys.isEmpty else { throw CoreError(.invalidArgument, "give at least one --key") }
                let config = try await options.loadConfig()
                let logger = options.makeLogger(config)
                let target = try await options.engineTarget(config, logger: logger)
                guard let p = try ProjectorCommandSupport.projections(config, only: projection).first else { return }
                try await ProjectorAdmin(target: target, logger: logger).recompute(p, keys: keys)
                print("recomputed \(keys.count) key(s) of \(projection)")
            }
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json

    /// Prints `items` as sorted-key JSON or as a text table of `headers` and one `row` per item.
    func printList<Item: Encodable>(_ items: [Item], headers: [String], row: (Item) -> [String]) throws {
        if self == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(items), as: UTF8.self))
            return
        }
        print(TextTable.render(headers, items.map(row)))
    }
}

enum ProjectorCommandSupport {
    static func projections(_ config: CutoverConfig, only: String?) throws -> [ProjectionDefinition] {
        let all = try ProjectionLoader.load(directory: config.projectionsDirectory)
        guard let only else { return all }
        let wanted = only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in wanted where !all.contains(where: { $0.name == name }) {
            throw CoreError(.invalidArgument, "unknown projection \(name); known: \(all.map(\.name).joined(separator: ", "))")
        }
        return all.filter { wanted.contains($0.name) }
    }

    /// Ready when the database answers and no projection has changes pending for longer than `maxLagSeconds`.
    static func readiness(_ target: DatabaseTarget, _ projections: [ProjectionDefinition], maxLagSeconds: Double = 5,
                          logger: Logger) -> OperationsServer.ReadinessProbe {
        { @Sendable in
            do {
                let rows = try await ProjectorAdmin(target: target, logger: logger).status(projections)
                let allowed = Dictionary(uniqueKeysWithValues: projections.map { ($0.name, LagMonitor.allowedLag($0, maxLagSeconds: maxLagSeconds)) })
                if let behind = rows.first(where: { !$0.installed || $0.lagSeconds > allowed[$0.projection, default: maxLagSeconds] }) {
                    return (false, behind.installed ? "\(behind.projection) lags \(String(format: "%.1f", behind.lagSeconds)) s" : "\(behind.projection) is not built yet")
                }
                return (true, "database answers; projections within \(Int(maxLagSeconds)) s")
            } catch {
                return (false, "database unavailable")
            }
        }
    }

    static func checkReachable(_ target: DatabaseTarget, logger: Logger) async throws {
        let connection = try await Database.connect(target, logger: logger)
        try? await connection.close()
    }
}
