/// A path or query parameter of a declared view: its type and the values it allows, and how it
/// narrows the read (a `filter` added only when the parameter is given, or `:name` in the SQL).
public struct ViewParameter: Sendable, Equatable {
    public enum Location: String, Sendable, Equatable {
        case query, path
    }

    /// The types a parameter, a sort key or a field can have, and their SQL types.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case integer, text, decimal, date, timestamp, boolean

        /// The SQL type an argument is cast to.
        public var sqlType: String {
            switch self {
            case .integer: "bigint"
            case .text: "text"
            case .decimal: "numeric"
            case .date: "date"
            case .timestamp: "timestamptz"
            case .boolean: "boolean"
            }
        }
    }

    public var name: String
    public var location: Location
    public var kind: Kind
    public var description: String
    /// A request without it is a 400 (a territory parameter is filled in for a caller with one territory).
    public var required: Bool
    /// Used when the request leaves it out.
    public var defaultValue: String?
    /// The only values allowed (text).
    public var allowed: [String]?
    /// Bounds of integers.
    public var minimum: Int64?
    public var maximum: Int64?
    /// A regular expression the whole text must match.
    public var pattern: String?
    /// At most this many characters (text).
    public var maxLength: Int?
    /// The value is a territory code checked against the caller's territories: a territory the
    /// caller does not hold is a 403 (or, for a caller holding every territory, does not exist);
    /// left out, it is the caller's only territory.
    public var territory: Bool
    /// SQL added to the read when the parameter is given, over the columns of the view's SQL
    /// (`segment = :segment`); without one, the SQL uses `:name` itself.
    public var filter: ViewSQL?

    public init(name: String, location: Location = .query, kind: Kind, description: String = "", required: Bool = false,
                defaultValue: String? = nil, allowed: [String]? = nil, minimum: Int64? = nil, maximum: Int64? = nil,
                pattern: String? = nil, maxLength: Int? = nil, territory: Bool = false, filter: ViewSQL? = nil) {
        self.name = name
        self.location = location
        self.kind = kind
        self.description = description
        self.required = required
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.minimum = minimum
        self.maximum = maximum
        self.pattern = pattern
        self.maxLength = maxLength
        self.territory = territory
        self.filter = filter
    }

    /// What the parameter must be, for 400 messages ("an integer from 1", "one of HOTEL, …").
    public var expectation: String {
        if let allowed { return "one of \(allowed.joined(separator: ", "))" }
        switch kind {
        case .integer:
            switch (minimum, maximum) {
            case let (low?, high?): return "an integer from \(low) to \(high)"
            case let (low?, nil): return low == 1 ? "a positive integer" : "an integer of at least \(low)"
            case let (nil, high?): return "an integer of at most \(high)"
            case (nil, nil): return "an integer"
            }
        case .text: return territory ? "a territory code such as DE-BY" : (pattern.map { "text matching \($0)" } ?? "text")
        case .decimal: return "a decimal number such as 12.50"
        case .date: return "a date such as 2026-03-31"
        case .timestamp: return "a timestamp such as 2026-03-31T12:00:00Z"
        case .boolean: return "true or false"
        }
    }
}
