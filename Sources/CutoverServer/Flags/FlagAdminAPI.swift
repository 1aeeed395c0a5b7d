import CutoverCore
import CutoverPostgres
import Foundation
import Hummingbird
import Logging
import PostgresNIO

/// `/admin/flags`: the flags for the ops role (ops and admin tokens), the same operations as
/// `cutover flags`: list, get, set (reason required), history, rollback. Changes are made on the
/// primary with their audit row in one transaction; the actor is the token (and its CRM user).
///
/// Input is strict: an unknown query parameter or body field, or a field of the wrong JSON type, is
/// a `400 request.invalid` problem naming it (``FlagChangeRequest``, ``FlagHistoryQuery``), so a
/// typo such as `modul` never widens a change to every module.
public struct FlagAdminAPI: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func addRoutes(to router: Router<APIRequestContext>, authenticator: TokenAuthenticator) {
        let admin = router.group("admin/flags").add(middleware: authenticator)
        admin.get { request, context in try await list(request, context) }
        admin.get("{name}") { request, context in try await get(request, context) }
        admin.put("{name}") { request, context in try await set(request, context) }
        admin.get("{name}/history") { request, context in try await history(request, context) }
        admin.post("{name}/rollback") { request, context in try await rollback(request, context) }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try requireOps(context)
        try ReadAPI.rejectQuery(request)
        let snapshot = try await store { c in try await FlagStore(logger: logger).load(on: c) }
        return try Response.json(ListResponse(flags: snapshot.names.map { FlagDocument(snapshot.flags[$0]!, in: snapshot) }))
    }

    func get(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try requireOps(context)
        let name = try name(context)
        try ReadAPI.rejectQuery(request)
        let snapshot = try await store { c in try await FlagStore(logger: logger).load(on: c) }
        let flag = try mapped { () throws(CoreError) in try snapshot.flag(name) }
        return try Response.json(FlagDocument(flag, in: snapshot))
    }

    func set(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try requireOps(context)
        let name = try name(context)
        try ReadAPI.rejectQuery(request)
        let json = try await Self.json(request)
        let body = try ReadAPI.validated { () throws(CoreError) in try FlagChangeRequest(json: json) }
        try Self.checkReason(body.reason)
        let change = FlagChange(variant: body.state, module: body.module, allModules: body.allModules ?? false, percent: body.percent)
        let update = try await store { c in
            try await FlagStore(logger: logger).set(on: c, name: name, change: change, actor: Self.actor(caller), reason: body.reason ?? "")
        }
        return try await respond(update)
    }

    func history(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        _ = try requireOps(context)
        let name = try name(context)
        let parameters = try ReadAPI.parameters(request)
        let limit = try ReadAPI.validated { () throws(CoreError) in try FlagHistoryQuery(parameters: parameters) }.limit
        let entries = try await store { c in
            let store = FlagStore(logger: logger)
            _ = try await store.flag(on: c, name: name)
            return try await store.history(on: c, name: name, limit: limit)
        }
        return try Response.json(HistoryResponse(history: entries))
    }

    func rollback(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try requireOps(context)
        let name = try name(context)
        try ReadAPI.rejectQuery(request)
        let json = try await Self.json(request)
        let body = try ReadAPI.validated { () throws(CoreError) in try FlagRollbackRequest(json: json) }
        try Self.checkReason(body.reason)
        let update = try await store { c in
            try await FlagStore(logger: logger).rollback(on: c, name: name, auditID: body.to, actor: Self.actor(caller), reason: body.reason ?? "")
        }
        return try await respond(update)
    }

    struct ListResponse: Encodable { var flags: [FlagDocument] }
    struct HistoryResponse: Encodable { var history: [FlagStore.AuditEntry] }

    // MARK: - Helpers

    func respond(_ update: FlagStore.Update) async throws -> Response {
        let snapshot = try await store { c in try await FlagStore(logger: logger).load(on: c) }
        return try Response.json(FlagChangeResponse(changed: update.auditID != nil, auditId: update.auditID, before: update.before.value.summary,
                                                after: FlagDocument(update.after, in: snapshot)))
    }

    func requireOps(_ context: APIRequestContext) throws -> Caller {
        let caller = try context.requireCaller()
        guard caller.role == .ops || caller.role == .admin else {
            throw APIError(.forbidden, "flag administration needs an ops or admin token; this one is \(caller.role.rawValue)")
        }
        return caller
    }

    func name(_ context: APIRequestContext) throws -> String {
        guard let name = context.parameters.get("name"), !name.isEmpty else { throw APIError(.invalidRequest, "the flag name is missing", parameter: "name") }
        // Flag names are lowercase snake case (the table's CHECK); anything else names no flag.
        guard name.utf8.count <= 63, name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
            throw APIError(.notFound, "no flag of that name; see GET /admin/flags", parameter: "name")
        }
        return name
    }

    /// Runs a store operation; flag errors become 400/404 problems, database errors generic ones.
    func store<R: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        do {
            return try await client.withConnection { c in try await body(c) }
        } catch let error as CoreError {
            throw Self.problem(error)
        } catch let error as DatabaseError where error.code == .flagsNotInstalled {
            throw APIError(.unavailable, error.message)
        } catch {
            logger.error("flag administration failed", metadata: ["error": "\(Database.translate(error, doing: "flag administration"))"])
            throw APIError(.internalError, "the flag operation failed; the error is logged")
        }
    }

    func mapped<R>(_ body: () throws(CoreError) -> R) throws -> R {
        do { return try body() } catch { throw Self.problem(error) }
    }

    static func problem(_ error: CoreError) -> APIError {
        switch error.code {
        case .unknownFlag: APIError(.notFound, error.message, parameter: "name")
        default:
            APIError(.invalidRequest, error.message,
                     parameter: error.context["parameter"] ?? (error.context["module"] != nil ? "module" : error.context["percent"] != nil ? "percent" : nil))
        }
    }

    /// A reason is text for people: required, at most 2000 characters, no control characters.
    static func checkReason(_ reason: String?) throws {
        guard let reason, !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.invalidRequest, "a flag change needs a reason; it is kept in the audit trail", parameter: "reason")
        }
        guard reason.count <= 2000, !reason.unicodeScalars.contains(where: { $0.value < 32 && $0 != "\n" && $0 != "\t" }) else {
            throw APIError(.invalidRequest, "the reason must be at most 2000 characters of text without control characters", parameter: "reason")
        }
    }

    static func actor(_ caller: Caller) -> String {
        "token \(caller.tokenID) (\(caller.role.rawValue), module \(caller.module)\(caller.userID.map { ", user \($0)" } ?? ""))"
    }

    /// The body as a ``JSONValue`` (at most 64 KiB); what is not JSON at all is a 400.
    static func json(_ request: Request) async throws -> JSONValue {
        try json(try await request.body.collect(upTo: 64 * 1024), example: #"{"state": "shadow", "module": "02", "reason": "…"}"#)
    }

    /// `buffer` as a ``JSONValue``; what is not JSON at all is a 400 showing `example`.
    static func json(_ buffer: ByteBuffer, example: String) throws -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer))
        } catch {
            throw APIError(.invalidRequest, "the body must be JSON such as \(example)")
        }
    }
}
