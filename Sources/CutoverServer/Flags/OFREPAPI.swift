import CutoverCore
import Foundation
import Hummingbird
import Logging

/// The OpenFeature Remote Evaluation Protocol (OFREP) endpoints, so any OpenFeature SDK with an
/// OFREP provider evaluates Cutover's flags: `POST /ofrep/v1/evaluate/flags/{key}` and the bulk
/// `POST /ofrep/v1/evaluate/flags` (with an ETag). Evaluated in process from the ``FlagCache``.
/// Needs an API token like the read API (`Authorization: Bearer cutover_…`).
///
/// Context attributes: `targetingKey` (the sticky-rollout subject; the read API uses
/// `user:<crm user id>` or `token:<token id>`) and `module` ("01"–"08"; default: the token's).
/// Either one given with another JSON type than a string is `INVALID_CONTEXT` (``FlagEvaluationContext``).
/// Reader flags resolve to a string (`legacy`, `shadow`, `read_model`), boolean flags to a bool.
public struct OFREPAPI: Sendable {
    let cache: FlagCache
    let startupWait: Duration

    public init(cache: FlagCache, startupWaitSeconds: Double) {
        self.cache = cache
        self.startupWait = .milliseconds(Int64(startupWaitSeconds * 1000))
    }

    struct Success: Encodable {
        var key: String
        var value: Value
        var reason: String
        var variant: String
        var metadata: [String: Value]
    }

    struct Failure: Encodable {
        var key: String?
        var errorCode: String
        var errorDetails: String
    }

    enum Value: Encodable {
        case bool(Bool), string(String), int(Int)

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .bool(let b): try c.encode(b)
            case .string(let s): try c.encode(s)
            case .int(let i): try c.encode(i)
            }
        }
    }

    public func addRoutes(to router: Router<APIRequestContext>, authenticator: TokenAuthenticator) {
        let ofrep = router.group("ofrep/v1/evaluate").add(middleware: authenticator)
        ofrep.post("flags/{key}") { request, context in try await evaluateOne(request, context) }
        ofrep.post("flags") { request, context in try await evaluateAll(request, context) }
    }

    func evaluateOne(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let key = context.parameters.get("key") ?? ""
        let attributes: (module: String, subject: String?)
        switch try await parse(request, caller) {
        case .success(let a): attributes = a
        case .failure(let f): return try Response.json(status: .badRequest, Failure(key: key, errorCode: f.errorCode, errorDetails: f.errorDetails))
        }
        guard let snapshot = await cache.waitForSnapshot(timeout: startupWait) else {
            return try Response.json(status: .serviceUnavailable, Failure(key: key, errorCode: "GENERAL", errorDetails: "the flags are not loaded yet; retry shortly"))
        }
        guard let flag = snapshot.flags[key] else {
            return try Response.json(status: .notFound, Failure(key: key, errorCode: "FLAG_NOT_FOUND",
                                                    errorDetails: "no flag \(key); the flags are \(snapshot.names.joined(separator: ", "))"))
        }
        return try Response.json(status: .ok, Self.success(snapshot.evaluate(flag, module: attributes.module, subject: attributes.subject), flag: flag))
    }

    func evaluateAll(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let attributes: (module: String, subject: String?)
        switch try await parse(request, caller) {
        case .success(let a): attributes = a
        case .failure(let f): return try Response.json(status: .badRequest, Failure(key: nil, errorCode: f.errorCode, errorDetails: f.errorDetails))
        }
        guard let snapshot = await cache.waitForSnapshot(timeout: startupWait) else {
            return try Response.json(status: .serviceUnavailable, Failure(key: nil, errorCode: "GENERAL", errorDetails: "the flags are not loaded yet; retry shortly"))
        }
        struct Bulk: Encodable { var flags: [Success] }
        let flags = snapshot.names.map { Self.success(snapshot.evaluate(snapshot.flags[$0]!, module: attributes.module, subject: attributes.subject), flag: snapshot.flags[$0]!) }
        let versions = snapshot.names.map { "\($0)@\(snapshot.flags[$0]!.version)" }.joined(separator: ",")
        let etag = "\"" + SHA256.hex("\(versions)|\(attributes.module)|\(attributes.subject ?? "")").prefix(16) + "\""
        if let match = request.headers[.ifNoneMatch], ReadAPI.matches(match, etag: etag) {
            var headers = HTTPFields()
            headers[.eTag] = etag
            return Response(status: .notModified, headers: headers)
        }
        var response = try Response.json(status: .ok, Bulk(flags: flags))
        response.headers[.eTag] = etag
        return response
    }

    struct ContextProblem: Error {
        var errorCode: String
        var errorDetails: String
    }

    func parse(_ request: Request, _ caller: Caller) async throws -> Result<(module: String, subject: String?), ContextProblem> {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        var json: JSONValue?
        if buffer.readableBytes > 0 {
            do {
                json = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer))
            } catch {
                return .failure(ContextProblem(errorCode: "PARSE_ERROR", errorDetails: "the body must be JSON: {\"context\": {\"targetingKey\": \"user:42\", \"module\": \"02\"}}"))
            }
        }
        do {
            let context = try FlagEvaluationContext(json: json, defaultModule: caller.module)
            return .success((context.module, context.subject))
        } catch {
            switch error {
            case .parse(let details): return .failure(ContextProblem(errorCode: "PARSE_ERROR", errorDetails: details))
            case .invalid(let details): return .failure(ContextProblem(errorCode: "INVALID_CONTEXT", errorDetails: details))
            }
        }
    }

    static func success(_ e: FlagEvaluation, flag: FeatureFlag) -> Success {
        var metadata: [String: Value] = ["rule": .string(e.rule), "flagVersion": .int(Int(flag.version))]
        if let bucket = e.bucket { metadata["bucket"] = .int(bucket) }
        let value: Value = flag.kind == .boolean ? .bool(e.isOn) : .string(e.variant)
        return Success(key: flag.name, value: value, reason: e.reason.rawValue, variant: e.variant, metadata: metadata)
    }
}
