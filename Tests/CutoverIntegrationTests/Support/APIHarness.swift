import CutoverCore
import CutoverPostgres
import CutoverProjector
import CutoverServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import ServiceLifecycle

/// Builds the read API against a test database, as `cutover serve` does, for router tests.
enum APIHarness {
    /// How long a test read waits for a connection: generous, since the whole suite shares two
    /// cores and connections open slowly then (the 2 s default is tested in OutageTests).
    static let connectionWait: Duration = .seconds(30)

    /// Runs `body` with a router-test client of the read API on `db`, serving every read from
    /// `source`, or, with `source: nil`, as the reader flags in the database decide (loaded once;
    /// call `reloadFlags` after changing them) with shadow comparisons and the automatic rollback's
    /// measurements running.
    static func withAPI<R: Sendable>(_ db: DatabaseTarget, source: ReadSource? = .readModel, tokenCacheSeconds: Double = 0,
                                     replica: DatabaseTarget? = nil, rollback: AutoRollbackThresholds? = nil,
                                     _ body: @Sendable (any TestClientProtocol) async throws -> R) async throws -> R {
        guard let replica else {
            return try await Database.withClient(db, logger: TestCluster.logger) { client in
                try await withAPI(db, primary: client, reads: client, replicaClient: nil, source: source, tokenCacheSeconds: tokenCacheSeconds,
                                  rollback: rollback, body)
            }
        }
        return try await Database.withClient(db, logger: TestCluster.logger) { primary in
            try await Database.withClient(replica, logger: TestCluster.logger) { standby in
                try await withAPI(db, primary: primary, reads: standby, replicaClient: standby, source: source, tokenCacheSeconds: tokenCacheSeconds,
                                        rollback: rollback, body)
            }
        }
    }

    private static func withAPI<R: Sendable>(_ db: DatabaseTarget, primary: PostgresClient, reads client: PostgresClient, replicaClient: PostgresClient?,
                                             source: ReadSource?, tokenCacheSeconds: Double, rollback: AutoRollbackThresholds?,
                                             _ body: @Sendable (any TestClientProtocol) async throws -> R) async throws -> R {
        let projections = try ProjectorHarness.projections
        let logger = TestCluster.logger
        do {
            let monitor = LagMonitor(target: db, replica: replicaClient, projections: projections, logger: logger)
            await monitor.poll()
            let flags: ReaderFlags
            var services: [any Service] = []
            if let source {
                flags = ReaderFlags.forced(source)
            } else {
                // As `cutover serve` runs them: flags loaded before the first read and kept current by
                // LISTEN/NOTIFY, shadow comparisons, read usage, and the automatic rollback when asked for.
                let cache = FlagCache(snapshot: try await Database.withConnection(db, logger: logger) { c in try await FlagStore(logger: logger).load(on: c) })
                let thresholds = rollback ?? AutoRollbackThresholds()
                let health = ReadHealthMonitor(windowSeconds: thresholds.windowSeconds)
                let shadow = ShadowComparator(client: client, health: health, queueSize: 64, recheckMilliseconds: 50, logger: logger)
                let usage = ReadUsageRecorder(client: primary, flushSeconds: 0.2, logger: logger)
                flags = ReaderFlags(cache: cache, health: health, shadow: shadow, usage: usage)
                services = [FlagSyncService(target: db, cache: cache, refreshSeconds: 1, logger: logger), shadow, usage]
                if let rollback {
                    services.append(AutoRollbackService(client: primary, cache: cache, health: health, thresholds: rollback, actor: "test auto-rollback", logger: logger))
                }
            }
            let api = ReadAPI(readClient: client, flags: flags, lagMonitor: monitor, views: try ProjectorHarness.views,
                              readYourWrites: ReadYourWrites(wait: AppliedPositionWait(sources: ProjectionDefinition.sourceTables(projections), logger: logger)),
                              connectionWait: connectionWait, logger: logger)
            let authenticator = TokenAuthenticator(client: primary, cacheSeconds: tokenCacheSeconds, connectionWait: connectionWait, logger: logger)
            let router = ReadAPIServer.router(api: api, authenticator: authenticator, registry: TestMetrics.registry, maxLagSeconds: 5,
                                              flagAdmin: FlagAdminAPI(client: primary, logger: logger),
                                              ofrep: OFREPAPI(cache: api.flags.cache, startupWaitSeconds: 1),
                                              console: ConsoleAPI(client: primary, monitor: monitor, calendar: { .none }, logger: logger))
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            guard !services.isEmpty else { return try await app.test(.router) { client in try await body(client) } }
            return try await withThrowingTaskGroup(of: R?.self) { group in
                for service in services { group.addTask { try await service.run(); return nil } }
                defer { group.cancelAll() }
                return try await app.test(.router) { client in try await body(client) }
            }
        }
    }

    /// Creates a token on `db`.
    static func token(_ db: DatabaseTarget, module: String = "02", role: Caller.Role = .reader, territories: [String],
                      user: String? = nil) async throws -> String {
        try await Database.withConnection(db, logger: TestCluster.logger) { c in
            try await TokenRepository(logger: TestCluster.logger).create(on: c, module: module, role: role, territories: territories,
                                                                         user: user, label: "test").token
        }
    }

    static func bearer(_ token: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        return headers
    }

    /// GET `uri` with `token`; returns status, headers and body text.
    static func get(_ client: any TestClientProtocol, _ uri: String, token: String?, headers extra: HTTPFields = [:]) async throws
        -> (status: HTTPResponse.Status, headers: HTTPFields, body: String) {
        var headers = token.map(bearer) ?? HTTPFields()
        for field in extra { headers.append(field) }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (response.status, response.headers, String(buffer: response.body))
        }
    }

    static func json(_ body: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
    }
}
