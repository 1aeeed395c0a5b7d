/// The evaluation context of an OFREP request (`{"context": {"targetingKey": …, "module": …}}`).
/// Other context attributes are allowed and ignored (OpenFeature SDKs send their own), but the two
/// Cutover reads must be strings: a number is `INVALID_CONTEXT`, never silently the token's module.
public struct FlagEvaluationContext: Sendable, Equatable {
    /// Why a context was refused, as OFREP error codes.
    public enum Failure: Error, Equatable {
        /// `PARSE_ERROR`: the body is not `{"context": {…}}`.
        case parse(String)
        /// `INVALID_CONTEXT`: an attribute has the wrong type or value.
        case invalid(String)
    }

    public var module: String
    public var subject: String?

    public init(module: String, subject: String? = nil) {
        self.module = module
        self.subject = subject
    }

    /// Reads the body (nil: no body), defaulting the module to the caller's.
    public init(json: JSONValue?, defaultModule: String) throws(Failure) {
        let parseHint = "the body must be JSON: {\"context\": {\"targetingKey\": \"user:42\", \"module\": \"02\"}}"
        var context: [String: JSONValue] = [:]
        switch json {
        case nil, .null?: break
        case .object(let body)?:
            switch body["context"] ?? .null {
            case .null: break
            case .object(let c): context = c
            case let other: throw .parse("context must be an object, not \(other.kind); \(parseHint)")
            }
        case let other?: throw .parse("the body must be an object, not \(other.kind); \(parseHint)")
        }
        switch context["module"] ?? .null {
        case .null: module = defaultModule
        case .string(let m): module = m
        case let other: throw .invalid("module must be a string such as \"02\", not \(other.kind)")
        }
        guard BusinessModule.codes.contains(module) else {
            throw .invalid("module must be one of \(BusinessModule.codes.joined(separator: ", ")), got \(module)")
        }
        switch context["targetingKey"] ?? .null {
        case .null: subject = nil
        case .string(let s): subject = s
        case let other: throw .invalid("targetingKey must be a string such as \"user:42\", not \(other.kind)")
        }
    }
}
