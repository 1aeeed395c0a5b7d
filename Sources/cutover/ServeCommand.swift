import ArgumentParser
import CutoverCore
import CutoverPostgres
import CutoverProjector
import CutoverServer
import Foundation
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// `cutover serve`: the read API with /metrics and /health on one port.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the read API (GET /v1/...) with /metrics and /health (Ctrl-C stops gracefully).",
        discussion: "Needs an API token per request: cutover tokens create --module 02 --role reader --territories DE-BY"
    )
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        try await CLIErrors.run {
            let config = try await options.loadConfig()
            let logger = options.makeLogger(config, label: "cutover.api")
            let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover api", startingDuringOutage: true)
            let projections = try ProjectorCommandSupport.projections(config, only: nil)
            let views = try ViewLoader.load(directory: config.projectionsDirectory)
            try await ProjectorCommandSupport.checkReachable(target, logger: logger)
            try await ViewFlagCheck.requireAtStart(views, target: target, logger: logger)
            let registry = OperationsServer.bootstrapMetrics()
            let api = try await APIServices(config: config, target: target, projections: projections, views: views, registry: registry, logger: logger)
            try await ProcessServices.run(api.services, http: (config.http.host, config.http.port), logger: logger)
        }
    }
}

/// The services of the read API (shared by `serve` and `demo`): the Postgres clients, the lag
/// monitor and the HTTP application.
struct APIServices {
    var services: [any Service]

    init(config: CutoverConfig, target: DatabaseTarget, projections: [ProjectionDefinition], views: [ViewDeclaration], registry: PrometheusCollectorRegistry,
         logger: Logger, extra: [any Service] = []) async throws {
        // Every statement of the API's sessions is bounded (legacy reads set their own, longer bound).
        let statementTimeout = Duration.milliseconds(config.api.readModelStatementTimeoutMilliseconds)
        let primary = PostgresClient(configuration: target.clientConfiguration(statementTimeout: statementTimeout), backgroundLogger: logger)
        var replica: PostgresClient?
        var replicaTarget: DatabaseTarget?
        if let url = config.api.replicaURL {
            let t = DatabaseTarget(url: url, poolSize: target.poolSize, connectTimeoutSeconds: target.connectTimeoutSeconds, applicationName: "cutover api")
            try await ProjectorCommandSupport.checkReachable(t, logger: logger)
            replica = PostgresClient(configuration: t.clientConfiguration(statementTimeout: statementTimeout), backgroundLogger: logger)
            replicaTarget = t
        }
        let monitor = LagMonitor(target: target, replica: replica, projections: projections, logger: logger)
        // Flags: evaluated in process, kept current by LISTEN/NOTIFY and a periodic reload.
        let cache = FlagCache()
        let health = ReadHealthMonitor(windowSeconds: config.rollback.windowSeconds)
        let shadow = ShadowComparator(client: replica ?? primary, health: health, queueSize: config.shadow.queueSize,
                                      recheckMilliseconds: config.shadow.recheckMilliseconds, logger: logger)
        let usage = ReadUsageRecorder(client: primary, logger: logger)
        let flags = ReaderFlags(cache: cache, forcedSource: config.api.forceSource, startupWaitSeconds: config.flags.startupWaitSeconds,
                                health: health, shadow: shadow, usage: usage)
        if let forced = config.api.forceSource {
            logger.warning("api.forceSource is set: every read is served by \(forced.rawValue) and the reader flags are ignored")
        }
        let sync = FlagSyncService(target: target, cache: cache, refreshSeconds: config.flags.refreshSeconds, logger: logger)
        let rollback = AutoRollbackService(client: primary, cache: cache, health: health, thresholds: config.rollback,
                                           actor: "cutover api auto-rollback (\(ProcessInfo.processInfo.hostName) pid \(getpid()))", logger: logger)
        let connectionWait = Duration.milliseconds(config.api.connectionWaitMilliseconds)
        let api = ReadAPI(readClient: replica ?? primary, flags: flags, lagMonitor: monitor, views: views,
                          readYourWrites: ReadYourWrites(wait: AppliedPositionWait(sources: ProjectionDefinition.sourceTables(projections), logger: logger),
                                                         timeout: .milliseconds(config.api.readYourWritesWaitMilliseconds),
                                                         fallback: config.api.readYourWritesFallback),
                          connectionWait: connectionWait,
                          legacyStatementTimeout: .milliseconds(config.api.legacyStatementTimeoutMilliseconds),
                          legacyLimit: ConcurrencyLimit(limit: config.api.legacyConcurrency), logger: logger)
        // Tokens are checked on the primary: a revocation takes effect without waiting for the standby.
        let authenticator = TokenAuthenticator(client: primary, cacheSeconds: config.api.tokenCacheSeconds,
                                               connectionWait: connectionWait, logger: logger)
        let router = ReadAPIServer.router(api: api, authenticator: authenticator, registry: registry, maxLagSeconds: config.api.maxLagSeconds,
                                          maxFlagStalenessSeconds: config.flags.maxStalenessSeconds,
                                          flagAdmin: FlagAdminAPI(client: primary, logger: logger),
                                          ofrep: OFREPAPI(cache: cache, startupWaitSeconds: config.flags.startupWaitSeconds),
                                          console: ConsoleAPI(client: primary, monitor: monitor, blackoutsFile: config.blackoutsFile, logger: logger))
        let host = config.http.host
        let reads = replicaTarget.map { "hot standby \($0.url)" } ?? "the primary"
        let app = ReadAPIServer.application(router: router, host: host, port: config.http.port, logger: logger) { port in
            // stdout, for people and for tools that start `serve` on port 0.
            FileHandle.standardOutput.write(Data("read API listening on http://\(host):\(port) (reads from \(reads); \(views.count) views under /v1, /admin/flags, /ofrep/v1, /console, /metrics, /health/ready)\n".utf8))
        }
        // No query may run here: the clients run in the service group below, and a query on a
        // client that does not run yet waits forever. The lag monitor polls once the group runs.
        let flagServices: [any Service] = [sync, shadow, usage, rollback]
        let operations = OperationsStateMonitor(config: config, client: primary, projections: projections, logger: logger)
        // The HTTP server starts listening once the first lag reading is in (at most 5 s), so the
        // first requests carry lag headers and readiness has numbers.
        let listener = ServiceAfter(first: { await monitor.waitForFirstPoll(within: .seconds(5)) }, then: app)
        services = [primary] + (replica.map { [$0] } ?? []) + [monitor, operations] + flagServices + extra + [listener]
    }
}
