import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO

/// Options every command accepts: where configuration comes from and overrides of single keys.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: config/cutover.yaml when present; env CUTOVER_CONFIG).")
    var config: String?

    @Option(name: .long, help: "Database URL, postgres://user:password@host:port/database (overrides database.*).")
    var databaseURL: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a setting: --set key=value (repeatable).", valueName: "key=value"))
    var settings: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    /// Loads the configuration with all overrides applied.
    func loadConfig() async throws -> CutoverConfig {
        var overrides: [String: String] = [:]
        for item in settings {
            guard let eq = item.firstIndex(of: "=") else {
                throw CoreError(.invalidArgument, "--set \(item): expected key=value, for example --set http.port=9090")
            }
            overrides[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        if let databaseURL { overrides["database.url"] = databaseURL }
        if let logLevel { overrides["log.level"] = logLevel }
        let path = config ?? ProcessInfo.processInfo.environment["CUTOVER_CONFIG"]
        return try await ConfigLoader(filePath: path, overrides: overrides).load()
    }

    /// A logger writing to stderr at the configured level.
    func makeLogger(_ config: CutoverConfig, label: String = "cutover") -> Logger {
        var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        return logger
    }

    /// Resolves the database to use: explicit configuration wins; otherwise the embedded dev
    /// cluster when it runs; otherwise the defaults (127.0.0.1:5432).
    func databaseTarget(_ config: CutoverConfig, logger: Logger, applicationName: String = "cutover") throws -> DatabaseTarget {
        var url = config.database.url
        if !config.database.isExplicit {
            let cluster = DevCluster(dataDirectory: config.dev.dataDirectory, requestedPort: config.dev.port, logger: logger)
            if case .running(let state)? = try? cluster.status() {
                url = state.url
            }
        }
        return DatabaseTarget(url: url, poolSize: config.database.poolSize,
                              connectTimeoutSeconds: config.database.connectTimeoutSeconds, applicationName: applicationName)
    }

    /// The target of a command that needs the engine schema: checks on connect that the database
    /// has this binary's engine version, naming `cutover init` or `cutover upgrade` otherwise.
    /// Long-running services (`serve`, `project`) pass `startingDuringOutage`: a database that
    /// cannot be reached yet is not a reason to refuse to start (they wait for it and report it).
    func engineTarget(_ config: CutoverConfig, logger: Logger, applicationName: String = "cutover",
                      startingDuringOutage: Bool = false) async throws -> DatabaseTarget {
        let target = try databaseTarget(config, logger: logger, applicationName: applicationName)
        do {
            try await EngineVersionCheck.require(target, logger: logger)
        } catch let error as DatabaseError where startingDuringOutage && error.code == .unreachable {
            logger.warning("cannot check the engine schema yet: \(error.message)")
        }
        return target
    }

    /// Loads the configuration, opens one connection to its database and runs `body` on it
    /// (with the logger); returns the result and the database it used.
    func withConnection<R: Sendable>(_ body: (PostgresConnection, Logger) async throws -> R) async throws -> (result: R, target: DatabaseTarget) {
        let config = try await loadConfig()
        let logger = makeLogger(config)
        let target = try databaseTarget(config, logger: logger)
        let result = try await Database.withConnection(target, logger: logger) { connection in
            try await EngineVersionCheck(logger: logger).require(connection, database: target.url.database)
            return try await body(connection, logger)
        }
        return (result, target)
    }
}
