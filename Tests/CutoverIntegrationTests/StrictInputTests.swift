import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue #19: input the server does not know is refused with a problem naming it, on the admin
/// endpoints, OFREP, the console and /v1, and nothing changes.
@Suite("Strict input on admin, OFREP, console and /v1", .timeLimit(.minutes(5)))
struct StrictInputTests {
    typealias Answer = (status: HTTPResponse.Status, body: String)

    static func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String, body: String? = nil,
                     form: Bool = false) async throws -> Answer {
        var headers = APIHarness.bearer(token)
        if form { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) {
            ($0.status, String(buffer: $0.body))
        }
    }

    /// The problem's `parameter` and `detail` (nil and "" when the body is no problem document).
    static func problem(_ answer: Answer) -> (parameter: String?, detail: String) {
        let json = (try? APIHarness.json(answer.body)) ?? [:]
        return (json["parameter"] as? String, json["detail"] as? String ?? "")
    }

    @Test("PUT /admin/flags: an unknown field or a wrong type is a 400 naming it and changes nothing; unknown query parameters are refused everywhere")
    func adminEndpoints() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let ops = try await APIHarness.token(db, module: "01", role: .ops, territories: ["*"])
        let versionBefore = try await SQL.scalar(db, "SELECT version::text FROM cutover.flags WHERE name = 'customer_reads'")
        try await APIHarness.withAPI(db, source: nil) { client in
            let typo = try await Self.send(client, .put, "/admin/flags/customer_reads", token: ops, body: #"{"state":"read_model","modul":"05","reason":"typo"}"#)
            #expect(typo.status == .badRequest, "\(typo.body)")
            #expect(Self.problem(typo).parameter == "modul" && Self.problem(typo).detail.contains("unknown field modul"), "\(typo.body)")
            let two = try await Self.send(client, .put, "/admin/flags/customer_reads", token: ops, body: #"{"state":"shadow","modul":"05","percnt":5,"reason":"x"}"#)
            #expect(two.status == .badRequest && (Self.problem(two).detail.contains("modul, percnt")), "\(two.body)")
            let number = try await Self.send(client, .put, "/admin/flags/customer_reads", token: ops, body: #"{"state":"shadow","module":5,"reason":"x"}"#)
            #expect(number.status == .badRequest && (Self.problem(number).parameter == "module"), "\(number.body)")
            #expect(Self.problem(number).detail.contains("module must be a string"), "\(number.body)")
            let flag = try await Self.send(client, .put, "/admin/flags/customer_reads", token: ops, body: #"{"state":"shadow","allModules":1,"reason":"x"}"#)
            #expect(flag.status == .badRequest && (Self.problem(flag).parameter == "allModules"), "\(flag.body)")
            let query = try await Self.send(client, .put, "/admin/flags/customer_reads?dryRun=1", token: ops, body: #"{"state":"shadow","reason":"x"}"#)
            #expect(query.status == .badRequest && (Self.problem(query).parameter == "dryRun"), "\(query.body)")
            let rollback = try await Self.send(client, .post, "/admin/flags/customer_reads/rollback", token: ops, body: #"{"reason":"x","too":3}"#)
            #expect(rollback.status == .badRequest && (Self.problem(rollback).parameter == "too"), "\(rollback.body)")

            for (uri, parameter) in [("/admin/flags/customer_reads/history?foo=1", "foo"), ("/admin/flags/customer_reads/history?limit=05", "limit"),
                                     ("/admin/flags/customer_reads/history?limit=+5", "limit"), ("/admin/flags?x=1", "x"),
                                     ("/admin/flags/customer_reads?x=1", "x")] {
                let answer = try await Self.send(client, .get, uri, token: ops)
                #expect(answer.status == .badRequest && (Self.problem(answer).parameter == parameter), "\(uri): \(answer.body)")
            }
            #expect(try await Self.send(client, .get, "/admin/flags/customer_reads/history?limit=5", token: ops).status == .ok)
        }
        #expect(try await SQL.scalar(db, "SELECT version::text FROM cutover.flags WHERE name = 'customer_reads'") == versionBefore)
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.flag_audit WHERE reason IN ('typo', 'x')") == "0")
    }

    @Test("OFREP: a numeric module or targetingKey is INVALID_CONTEXT, never the token's module")
    func ofrepContextTypes() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, module: "02", territories: ["DE-BY"])
        try await APIHarness.withAPI(db, source: nil) { client in
            for body in [#"{"context":{"module":4}}"#, #"{"context":{"targetingKey":42}}"#, #"{"context":{"module":null,"targetingKey":true}}"#] {
                for uri in ["/ofrep/v1/evaluate/flags/customer_reads", "/ofrep/v1/evaluate/flags"] {
                    let answer = try await Self.send(client, .post, uri, token: token, body: body)
                    #expect(answer.status == .badRequest, "\(uri) \(body): \(answer.body)")
                    #expect(try APIHarness.json(answer.body)["errorCode"] as? String == "INVALID_CONTEXT", "\(uri) \(body): \(answer.body)")
                }
            }
            let fine = try await Self.send(client, .post, "/ofrep/v1/evaluate/flags/customer_reads", token: token,
                                           body: #"{"context":{"module":"04","targetingKey":"user:7","plan":"gold"}}"#)
            #expect(fine.status == .ok, "\(fine.body)")
        }
    }

    @Test("console: unknown form fields and query parameters are a 400 naming them and change nothing; login links take no input")
    func console() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let ops = try await APIHarness.token(db, module: "01", role: .ops, territories: ["*"])
        let csrf = SHA256.hex("csrf:" + ops)
        let versionBefore = try await SQL.scalar(db, "SELECT version::text FROM cutover.flags WHERE name = 'customer_reads'")
        try await APIHarness.withAPI(db, source: nil) { client in
            let typo = try await Self.send(client, .post, "/console/flags", token: ops,
                                           body: "csrf=\(csrf)&flag=customer_reads&module=default&state=read_model&modul=05&reason=typo", form: true)
            #expect(typo.status == .badRequest && typo.body.contains("unknown form field modul"), "\(typo.status)")
            let percent = try await Self.send(client, .post, "/console/flags", token: ops,
                                              body: "csrf=\(csrf)&flag=customer_reads&module=05&state=read_model&percent=05&reason=typo", form: true)
            #expect(percent.status == .badRequest && percent.body.contains("whole number"), "\(percent.status)")
            let page = try await Self.send(client, .get, "/console?foo=1", token: ops)
            #expect(page.status == .badRequest && page.body.contains("unknown query parameter foo"), "\(page.status)")
            #expect(try await Self.send(client, .get, "/console?changed=01", token: ops).status == .badRequest)
            #expect(try await Self.send(client, .get, "/console", token: ops).status == .ok)
            let login = try await client.execute(uri: "/console/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "token=\(ops)&remember=1")) { ($0.status, String(buffer: $0.body)) }
            #expect(login.0 == .badRequest && login.1.contains("remember"), "\(login.0)")
            let linkQuery = try await Self.send(client, .post, "/console/login-links?for=me", token: ops)
            #expect(linkQuery.status == .badRequest && (Self.problem(linkQuery).parameter == "for"), "\(linkQuery.body)")
            let linkBody = try await Self.send(client, .post, "/console/login-links", token: ops, body: #"{"ttl":600}"#)
            #expect(linkBody.status == .badRequest && (Self.problem(linkBody).parameter == "ttl"), "\(linkBody.body)")
            #expect(try await Self.send(client, .post, "/console/login-links", token: ops).status == .ok)
        }
        #expect(try await SQL.scalar(db, "SELECT version::text FROM cutover.flags WHERE name = 'customer_reads'") == versionBefore)
    }

    @Test("/v1 integers are canonical decimals: limit=05 and limit=+5 are 400 like /v1/customers/01")
    func canonicalIntegers() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        try await APIHarness.withAPI(db) { client in
            for uri in ["/v1/customers?limit=05", "/v1/customers?limit=%2B5", "/v1/customers?limit=5.0", "/v1/samples/followups?limit=05"] {
                let answer = try await APIHarness.get(client, uri, token: token)
                #expect(answer.status == .badRequest && (Self.problem((answer.status, answer.body)).parameter == "limit"), "\(uri): \(answer.body)")
            }
            #expect(try await APIHarness.get(client, "/v1/customers/01", token: token).status == .badRequest)
            #expect(try await APIHarness.get(client, "/v1/customers?limit=5", token: token).status == .ok)
        }
    }
}
