/// A JSON value as a request body carries it, keeping what strict checking needs: whether a
/// number is an integer, and `true`/`false` apart from numbers. Decodable with any decoder (the
/// server uses Foundation's `JSONDecoder`), so the checks below run without one in unit tests too.
public enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// What the value is, for messages: "a string", "a number", "null" …
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "a number"
        case .number: "a number with a fraction or exponent"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// The fields of a JSON object request body, read strictly: a key outside the known ones is an
/// error naming every unknown key, and a value of the wrong type is an error naming the field and
/// the type it needs. `null` counts as absent. Errors are ``CoreError/Code/invalidArgument`` with
/// the field in `context["parameter"]` (see ``RequestParameters``).
public struct JSONObjectFields: Sendable, Equatable {
    public let values: [String: JSONValue]

    /// Checks that `value` is an object whose keys are all in `known`.
    public init(_ value: JSONValue, known: Set<String>) throws(CoreError) {
        guard case .object(let values) = value else {
            throw CoreError(.invalidArgument, "the body must be a JSON object with the fields \(known.sorted().joined(separator: ", ")), not \(value.kind)")
        }
        try RequestParameters.rejectUnknown(values.keys, known: known, kind: "field")
        self.values = values
    }

    /// A string field; nil when absent or null.
    public func string(_ name: String) throws(CoreError) -> String? {
        switch values[name] ?? .null {
        case .null: return nil
        case .string(let s): return s
        case let other: throw Self.wrongType(name, "a string", other)
        }
    }

    /// A string field that must be present.
    public func requiredString(_ name: String) throws(CoreError) -> String {
        guard let value = try string(name) else { throw RequestParameters.invalid(name, "\(name) is required (a string)") }
        return value
    }

    /// An integer field (a JSON number without fraction or exponent); nil when absent or null.
    public func integer(_ name: String) throws(CoreError) -> Int64? {
        switch values[name] ?? .null {
        case .null: return nil
        case .integer(let n): return n
        case let other: throw Self.wrongType(name, "an integer", other)
        }
    }

    /// A boolean field (`true` or `false`, not 0/1 or "true"); nil when absent or null.
    public func boolean(_ name: String) throws(CoreError) -> Bool? {
        switch values[name] ?? .null {
        case .null: return nil
        case .bool(let b): return b
        case let other: throw Self.wrongType(name, "a boolean (true or false)", other)
        }
    }

    static func wrongType(_ name: String, _ expected: String, _ got: JSONValue) -> CoreError {
        RequestParameters.invalid(name, "\(name) must be \(expected), not \(got.kind)")
    }
}
