import CutoverCore
import Foundation
import Testing

/// Issue #19: strict request input, checked without a server or database.
@Suite("Strict request parsing: integers, JSON bodies, OFREP context, token references, subjects", .timeLimit(.minutes(1)))
struct RequestParsingTests {
    static func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// The `parameter` and message of the error `body` throws.
    static func failure(_ body: () throws -> Void) -> (parameter: String?, message: String)? {
        do {
            try body()
            return nil
        } catch let error as CoreError {
            return (error.context["parameter"], error.message)
        } catch {
            return (nil, "not a CoreError: \(error)")
        }
    }

    @Test("integers are canonical decimals only, in every query that takes one")
    func canonicalIntegers() throws {
        for (text, value) in [("0", 0), ("5", 5), ("200", 200), ("-3", -3)] { #expect(RequestParameters.integer(text) == value, "\(text)") }
        for bad in ["05", "+5", "5.0", " 5", "5 ", "1e3", "-0", "", "-", "0x10", "1234567890123456789"] {
            #expect(RequestParameters.integer(bad) == nil, "\(bad)")
        }
        for limit in ["05", "+5", "5.0"] {
            #expect(Self.failure { _ = try ViewRequest(view: ViewFixtures.list, path: [:], query: ["limit": limit], callerTerritories: ["DE-BY"]) }?.parameter == "limit")
            #expect(Self.failure { _ = try FlagHistoryQuery(parameters: ["limit": limit]) }?.parameter == "limit")
        }
        #expect(try ViewRequest(view: ViewFixtures.list, path: [:], query: ["limit": "5"], callerTerritories: ["DE-BY"]).limit == 5)
        #expect(try FlagHistoryQuery(parameters: ["limit": "1000"]).limit == 1000)
        #expect(try FlagHistoryQuery(parameters: [:]).limit == 50)
        let unknown = Self.failure { _ = try FlagHistoryQuery(parameters: ["foo": "1", "bar": "2"]) }
        #expect(unknown?.parameter == "bar" && unknown?.message.hasPrefix("unknown query parameters bar, foo; known: limit") == true, "\(String(describing: unknown))")
    }

    @Test("flag change bodies: unknown fields are named, wrong JSON types name the field and the type")
    func flagChangeBody() throws {
        let ok = try FlagChangeRequest(json: Self.json(#"{"state":"shadow","module":"02","allModules":false,"percent":50,"reason":"r"}"#))
        #expect(ok == FlagChangeRequest(state: "shadow", module: "02", allModules: false, percent: 50, reason: "r"))
        #expect(try FlagChangeRequest(json: Self.json(#"{"state":"legacy","module":null}"#)) == FlagChangeRequest(state: "legacy"))
        let cases: [(String, String, String)] = [
            (#"{"state":"read_model","modul":"05","reason":"x"}"#, "modul", "unknown field modul; known: allModules, module, percent, reason, state"),
            (#"{"state":"read_model","modul":"05","Reason":"x"}"#, "Reason", "unknown fields Reason, modul"),
            (#"{"state":"shadow","module":5}"#, "module", "module must be a string, not a number"),
            (#"{"state":"shadow","allModules":1}"#, "allModules", "allModules must be a boolean (true or false), not a number"),
            (#"{"state":"shadow","allModules":"true"}"#, "allModules", "allModules must be a boolean (true or false), not a string"),
            (#"{"state":"shadow","percent":"50"}"#, "percent", "percent must be an integer, not a string"),
            (#"{"state":"shadow","percent":50.5}"#, "percent", "percent must be an integer"),
            (#"{"state":true}"#, "state", "state must be a string, not a boolean"),
            (#"{"reason":"x"}"#, "state", "state is required"),
        ]
        for (body, parameter, message) in cases {
            let value = try Self.json(body)
            let failure = Self.failure { _ = try FlagChangeRequest(json: value) }
            #expect(failure?.parameter == parameter, "\(body): \(String(describing: failure))")
            #expect(failure?.message.hasPrefix(message) == true, "\(body): \(String(describing: failure))")
        }
        let array = try Self.json(#"[1]"#)
        #expect(Self.failure { _ = try FlagChangeRequest(json: array) }?.message.contains("must be a JSON object") == true)
        let rollback = try Self.json(#"{"reason":"x","to":"12"}"#)
        #expect(Self.failure { _ = try FlagRollbackRequest(json: rollback) }?.parameter == "to")
        #expect(try FlagRollbackRequest(json: Self.json(#"{"reason":"x","to":12}"#)) == FlagRollbackRequest(to: 12, reason: "x"))
    }

    @Test("OFREP context: module and targetingKey must be strings; other attributes pass")
    func evaluationContext() throws {
        let fine = try FlagEvaluationContext(json: Self.json(#"{"context":{"module":"04","targetingKey":"user:7","plan":3}}"#), defaultModule: "02")
        #expect(fine == FlagEvaluationContext(module: "04", subject: "user:7"))
        #expect(try FlagEvaluationContext(json: nil, defaultModule: "02").module == "02")
        func failure(_ body: String) throws -> FlagEvaluationContext.Failure? {
            let value = try Self.json(body)
            do { _ = try FlagEvaluationContext(json: value, defaultModule: "02") } catch { return error }
            return nil
        }
        for body in [#"{"context":{"module":4}}"#, #"{"context":{"targetingKey":42}}"#, #"{"context":{"module":"09"}}"#] {
            guard case .invalid? = try failure(body) else { Issue.record("\(body) is not INVALID_CONTEXT"); continue }
        }
        guard case .parse? = try failure(#"{"context":"02"}"#) else { Issue.record("a string context is not PARSE_ERROR"); return }
    }

    @Test("token references: id, whole token (hash and prefix only), prefix up to 16 characters; the rest is refused")
    func tokenReferences() {
        let token = "cutover_" + String(repeating: "ab", count: 20)
        #expect(APIToken.Reference("17") == .id(17))
        #expect(APIToken.Reference(token) == .token(hash: APIToken.hash(token), prefix: "cutover_abababab"))
        #expect(!(APIToken.Reference(token)?.description.contains(token) ?? true))
        #expect(APIToken.Reference("cutover_abab") == .prefix("cutover_abab"))
        #expect(APIToken.Reference("cutover_abababab") == .prefix("cutover_abababab"))
        for bad in ["cutover_ababababab", "017", "cutover_XYZ", "abab", "", token + "0"] { #expect(APIToken.Reference(bad) == nil, "\(bad)") }
    }

    @Test("flag subjects are user:<id> or token:<id>")
    func subjects() {
        for good in ["user:7", "token:12"] { #expect(FlagSubject.isValid(good)) }
        for bad in ["bogus", "user:", "user:07", "user:x", "token:-1", "User:7", "user:7 "] { #expect(!FlagSubject.isValid(bad), "\(bad)") }
    }
}
