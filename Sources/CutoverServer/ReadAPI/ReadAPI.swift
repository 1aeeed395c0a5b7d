import CutoverCore
import CutoverPostgres
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// The read API for business modules (`/v1`): one generic path serves every declared view
/// (``ViewDeclaration``). A request is validated from the declaration, goes through the reader
/// switch for the calling module and view, then runs one statement — the view's read-model SQL
/// as the caller (row-level security and masking in the database) or its legacy SQL — whose JSON
/// PostgreSQL builds and the server passes through. Responses carry `Cutover-Source`,
/// `Cutover-Reader-State` and `Cutover-Projection-Lag`.
public struct ReadAPI: Sendable {
    /// Where reads go: the primary, or a hot standby when configured.
    public var readClient: PostgresClient
    /// Which source serves each read (reader flags), and where reads are reported.
    public var flags: ReaderFlags
    public var lagMonitor: LagMonitor
    /// The declared views, each served on its route.
    public var views: [ViewDeclaration]
    public var reader: ViewReader
    public var logger: Logger
    /// How long a read waits for a pooled connection before it answers 503 with `Retry-After`
    /// (`api.connectionWaitMilliseconds`).
    public var connectionWait: Duration
    /// Each statement of a legacy read is cancelled after this (`api.legacyStatementTimeoutMilliseconds`);
    /// the read model's statements are bounded by the read client's sessions.
    public var legacyStatementTimeout: Duration?
    /// Legacy reads running at once, at most (`api.legacyConcurrency`); `nil`: no limit.
    public var legacyLimit: ConcurrencyLimit?
    /// How reads with `Cutover-After-LSN` wait for their projection.
    public var readYourWrites: ReadYourWrites

    public init(readClient: PostgresClient, flags: ReaderFlags, lagMonitor: LagMonitor, views: [ViewDeclaration],
                readYourWrites: ReadYourWrites, connectionWait: Duration = PostgresClient.defaultConnectionWait,
                legacyStatementTimeout: Duration? = nil, legacyLimit: ConcurrencyLimit? = nil, logger: Logger) {
        self.readClient = readClient
        self.readYourWrites = readYourWrites
        self.connectionWait = connectionWait
        self.legacyStatementTimeout = legacyStatementTimeout
        self.legacyLimit = legacyLimit
        self.flags = flags
        self.lagMonitor = lagMonitor
        self.views = views
        self.reader = ViewReader(logger: logger)
        self.logger = logger
    }

    /// Adds one `GET` route per declared view behind `authenticator`.
    public func addRoutes(to router: Router<APIRequestContext>, authenticator: TokenAuthenticator) {
        let v1 = router.group("v1").add(middleware: authenticator)
        for view in views {
            v1.get(RouterPath(String(view.route.dropFirst("/v1/".count)))) { request, context in try await serve(view, request, context) }
        }
    }

    /// Serves `view`: validates the request, checks the territories, reads from the source the
    /// reader switch chooses and answers the JSON the statement built.
    func serve(_ view: ViewDeclaration, _ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        var path: [String: String] = [:]
        for parameter in view.parameters where parameter.location == .path {
            path[parameter.name] = context.parameters.get(parameter.name)
        }
        let query = try Self.parameters(request)
        let viewRequest = try Self.validated { () throws(CoreError) in
            try ViewRequest(view: view, path: path, query: query, callerTerritories: caller.territories)
        }
        for (parameter, value) in viewRequest.territoryArguments(of: view) {
            try authorize(caller, territory: value, parameter: parameter.name, inPath: parameter.location == .path)
        }
        let scoped = caller.scoped(to: view.context)
        let legacyStatement = ViewStatement(view, request: viewRequest, legacy: true)
        let modelStatement = ViewStatement(view, request: viewRequest, legacy: false)
        let (body, decision) = try await serve(view, caller, scoped, request, context,
                                              legacy: { [reader] c in try await reader.legacy(on: c, legacyStatement) },
                                              readModel: { [reader] c in try await reader.readModel(on: c, as: scoped, modelStatement) })
        // Not found and not allowed look the same: the API does not tell what exists elsewhere.
        guard let body else {
            guard case .object(let notFound) = view.shape else { throw APIError(.internalError, "the read answered nothing") }
            throw APIError(.notFound, Self.fill(notFound, viewRequest.values))
        }
        return respond(body, view: view, decision: decision, request: request)
    }

    /// `text` with `{name}` replaced by the parameter's value.
    static func fill(_ text: String, _ values: [String: String]) -> String {
        var out = text
        for (name, value) in values { out = out.replacingOccurrences(of: "{\(name)}", with: value) }
        return out
    }

    // MARK: - Helpers

    /// A territory the caller does not hold is a 403, unless the caller holds every territory:
    /// then it does not exist (400 as a query parameter, 404 as a path segment).
    func authorize(_ caller: Caller, territory: String, parameter: String, inPath: Bool) throws {
        guard caller.mayRead(territory: territory) else {
            if caller.everyTerritory {
                if inPath { throw APIError(.notFound, "there is no territory \(territory)") }
                throw APIError(.invalidRequest, "there is no territory \(territory)", parameter: parameter)
            }
            throw APIError(.forbidden, "this token may not read territory \(territory)", parameter: parameter)
        }
    }

    /// Refuses any query parameter (for endpoints that take none), naming every one given.
    static func rejectQuery(_ request: Request) throws {
        let parameters = try Self.parameters(request)
        try validated { () throws(CoreError) in try RequestParameters.rejectUnknown(parameters.keys, known: []) }
    }

    /// Runs core parsing; its ``CoreError`` becomes a `400 request.invalid` problem naming the parameter.
    static func validated<T>(_ parse: () throws(CoreError) -> T) throws -> T {
        do {
            return try parse()
        } catch {
            throw APIError(.invalidRequest, error.message, parameter: error.context["parameter"])
        }
    }

    /// The query parameters by name; a repeated parameter is a 400.
    static func parameters(_ request: Request) throws -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where !key.isEmpty {
            let k = String(key)
            guard out[k] == nil else { throw APIError(.invalidRequest, "query parameter \(k) is given twice", parameter: k) }
            out[k] = String(value)
        }
        return out
    }

    /// Serves a read from the source the reader flags choose for `caller` and `view`: times and
    /// reports read-model reads for the automatic rollback, counts the read by source, and in
    /// shadow mode queues the comparison with the read model after answering from legacy.
    /// A read with `Cutover-After-LSN` that the read model would serve first waits for its
    /// projection (``ReadYourWrites``); the decision then names the source that answered.
    /// `scoped` is the caller as the view's declared context shows it to the statements.
    func serve(_ view: ViewDeclaration, _ caller: Caller, _ scoped: Caller, _ request: Request, _ context: APIRequestContext,
               legacy legacyRead: @escaping @Sendable (PostgresConnection) async throws -> ByteBuffer?,
               readModel readModelRead: @escaping @Sendable (PostgresConnection) async throws -> ByteBuffer?) async throws -> (ByteBuffer?, ReaderDecision) {
        let after = try ReadYourWrites.position(request)
        var decision = try await flags.decide(view.name, for: caller)
        if decision.state.servingSource == .readModel, let after,
           try await sourceAfterWaiting(for: view.projection, position: after, context) == .legacy {
            decision.servedBy = .legacy
        }
        let source = decision.servingSource
        let healthKey = decision.flag.map { ReadHealthMonitor.Key(flag: $0, view: view.name, module: caller.module) }
        let started = ContinuousClock.now
        let result: ByteBuffer?
        do {
            result = try await read(scoped, source, context, source == .legacy ? legacyRead : readModelRead)
        } catch {
            if source == .readModel, let healthKey, (error as? APIError)?.status.code ?? 500 >= 500 {
                flags.health.recordRead(healthKey, milliseconds: started.elapsedMilliseconds, failed: true)
            }
            throw error
        }
        if source == .readModel, let healthKey { flags.health.recordRead(healthKey, milliseconds: started.elapsedMilliseconds, failed: false) }
        if source == .legacy { flags.health.recordLegacyRead(view.name, milliseconds: started.elapsedMilliseconds) }
        flags.usage?.record(view: view.name, module: caller.module, source: source)
        if decision.state == .shadow, let flag = decision.flag, let shadow = flags.shadow {
            let client = readClient, logger = logger, identity = view.identity
            shadow.submit(ShadowComparator.Job(flag: flag, view: view.name, module: caller.module) { recheck in
                let legacyBody = recheck ? try await ReaderContext.run(client, as: scoped, logger: logger) { c in try await legacyRead(c) } : result
                let t0 = ContinuousClock.now
                let modelBody = try await client.withConnection { c in try await readModelRead(c) }
                let milliseconds = t0.elapsedMilliseconds
                return (ShadowDiff.compare(legacy: try Self.json(legacyBody), readModel: try Self.json(modelBody), identity: identity), milliseconds)
            })
        }
        return (result, decision)
    }

    /// A body as a ``JSONValue`` for comparison (off the request path).
    static func json(_ body: ByteBuffer?) throws -> JSONValue? {
        guard let body else { return nil }
        return try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
    }

    /// Runs a read as `caller`; database failures become problems without database detail.
    func read(_ caller: Caller, _ source: ReadSource, _ context: APIRequestContext,
              _ body: @escaping @Sendable (PostgresConnection) async throws -> ByteBuffer?) async throws -> ByteBuffer? {
        do {
            switch source {
            case .readModel:
                // One statement that carries the caller's context itself (cutover.api_read).
                return try await readClient.withConnection(waitingAtMost: connectionWait) { c in try await body(c) }
            case .legacy:
                if let legacyLimit {
                    guard legacyLimit.tryEnter() else {
                        throw APIError(.unavailable, "too many legacy reads are running (limit \(legacyLimit.limit)); retry shortly")
                    }
                }
                defer { legacyLimit?.leave() }
                return try await ReaderContext.run(readClient, as: caller, logger: logger, connectionWait: connectionWait,
                                                   statementTimeout: legacyStatementTimeout) { c in try await body(c) }
            }
        } catch let error as APIError {
            throw error
        } catch {
            let error = Database.translate(error, doing: "read")
            context.logger.error("read failed", metadata: ["error": "\(error)", "source": "\(source.rawValue)"])
            if error.code == .unreachable { throw APIError(.unavailable, "the database is not reachable; retry shortly") }
            if error.code == .statementTimeout {
                throw APIError(.unavailable, "the read took longer than its statement timeout and was cancelled; retry shortly")
            }
            throw APIError(.internalError, "the read failed; the error is logged under request \(context.id)")
        }
    }

    func respond(_ body: ByteBuffer, view: ViewDeclaration, decision: ReaderDecision, request: Request) -> Response {
        let source = decision.servingSource
        let etag = "\"" + Self.fnv1a(body) + "\""
        var headers = HTTPFields()
        headers[APIHeaders.source] = source.rawValue
        if decision.flag != nil { headers[APIHeaders.readerState] = decision.state.rawValue }
        let snapshot = lagMonitor.snapshot
        // Only a read model can lag; the legacy queries read the write tables themselves.
        if source == .readModel {
            headers[APIHeaders.projectionLag] = String(format: "%.3f", snapshot.lagSeconds[view.projection] ?? 0)
        }
        if let replica = snapshot.replicaLagSeconds { headers[APIHeaders.replicaLag] = String(format: "%.3f", replica) }
        headers[.eTag] = etag
        headers[.cacheControl] = "private, no-cache"
        if let match = request.headers[.ifNoneMatch], Self.matches(match, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`; `*` matches anything.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { item in
            var tag = item.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }

    /// 64-bit FNV-1a of the body: a cheap, stable entity tag.
    static func fnv1a(_ body: ByteBuffer) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        body.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Response headers of the read API.
public enum APIHeaders {
    /// `legacy` or `read-model`.
    public static let source = HTTPField.Name("Cutover-Source")!
    /// The reader flag's state for this caller and view (`legacy`, `shadow`, `read_model`); absent
    /// when `api.forceSource` decides.
    public static let readerState = HTTPField.Name("Cutover-Reader-State")!
    /// Seconds the serving projection is behind the write tables (only on answers of the read model).
    public static let projectionLag = HTTPField.Name("Cutover-Projection-Lag")!
    /// Seconds the hot standby is behind the primary (only when reads go to a standby).
    public static let replicaLag = HTTPField.Name("Cutover-Replica-Lag")!
    /// Request: the WAL position of the caller's own commit; the read model answers once it has
    /// applied everything up to there (read-your-writes).
    public static let afterLSN = HTTPField.Name("Cutover-After-LSN")!
}
