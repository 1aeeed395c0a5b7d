import CutoverCore
import CutoverPostgres
import CutoverProjector
import CutoverServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO

/// Builds the read API against a test database, as `cutover serve` does, for router tests.
enum APIHarness {
    /// Runs `body` with a router-test client of the read API on `db`, serving from `source`.
    static func withAPI<R: Sendable>(_ db: DatabaseTarget, source: ReadSource = .readModel, tokenCacheSeconds: Double = 0,
                                     replica: DatabaseTarget? = nil,
                                     _ body: @Sendable (any TestClientProtocol) async throws -> R) async throws -> R {
        guard let replica else {
            return try await Database.withClient(db, logger: TestCluster.logger) { client in
                try await withAPI(db, primary: client, reads: client, replicaClient: nil, source: source, tokenCacheSeconds: tokenCacheSeconds, body)
            }
        }
        return try await Database.withClient(db, logger: TestCluster.logger) { primary in
            try await Database.withClient(replica, logger: TestCluster.logger) { standby in
                try await withAPI(db, primary: primary, reads: standby, replicaClient: standby, source: source, tokenCacheSeconds: tokenCacheSeconds, body)
            }
        }
    }

    private static func withAPI<R: Sendable>(_ db: DatabaseTarget, primary: PostgresClient, reads client: PostgresClient, replicaClient: PostgresClient?,
                                             source: ReadSource, tokenCacheSeconds: Double,
                                             _ body: @Sendable (any TestClientProtocol) async throws -> R) async throws -> R {
        let projections = try ProjectorHarness.projections
        let logger = TestCluster.logger
        do {
            let monitor = LagMonitor(target: db, replica: replicaClient, projections: projections, logger: logger)
            await monitor.poll()
            let pipeline = projections.first { $0.name == "territory_pipeline" }!
            let followUps = projections.first { $0.name == "sample_followups" }!
            let api = ReadAPI(readClient: client, readerSwitch: ReaderSwitch(defaultSource: source), lagMonitor: monitor,
                              readModel: ReadModelReader(logger: logger),
                              legacy: LegacyAPIReader(logger: logger, pipelineSQL: pipeline.recomputeSQL, followUpsSQL: followUps.recomputeSQL),
                              logger: logger)
            let authenticator = TokenAuthenticator(client: primary, cacheSeconds: tokenCacheSeconds, logger: logger)
            let router = ReadAPIServer.router(api: api, authenticator: authenticator, registry: TestMetrics.registry, maxLagSeconds: 5)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            return try await app.test(.router) { client in try await body(client) }
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
