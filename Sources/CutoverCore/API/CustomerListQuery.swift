/// `GET /v1/customers` parameters, validated. Errors are ``CoreError/Code/invalidArgument`` with
/// the parameter's name in the context (`parameter`), which the server turns into a 400 problem.
public struct CustomerListQuery: Sendable, Equatable {
    public static let segments = ["RESTAURANT", "HOTEL", "KANTINE", "CATERING"]
    public static let statuses = ["LEAD", "PROSPECT", "ACTIVE", "INACTIVE"]
    /// `id` (the default) pages each customer exactly once for the life of a cursor: the key never
    /// changes. `revenue` ranks by a value that changes with every order, so a customer whose
    /// revenue changes while a client pages may be skipped or seen twice.
    public enum Sort: String, Sendable, CaseIterable {
        case id, revenue
    }
    public static let maxLimit = 200
    public static let defaultLimit = 50

    /// Keyset position: the last row of the previous page. `revenue` is set for `sort=revenue`
    /// only; a cursor belongs to the sort that made it.
    public struct After: Sendable, Equatable {
        public var revenue: String?
        public var id: Int64

        public init(revenue: String? = nil, id: Int64) {
            self.revenue = revenue
            self.id = id
        }

        /// The sort this position belongs to.
        public var sort: Sort { revenue == nil ? .id : .revenue }

        /// The opaque cursor text.
        public var cursor: String {
            guard let revenue else { return Base64URL.encode("i:\(id)") }
            return Base64URL.encode("r:\(revenue):\(id)")
        }

        /// Parses a cursor made by ``cursor``.
        public init?(cursor: String) {
            guard let text = Base64URL.decode(cursor) else { return nil }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == "i", let id = CustomerListQuery.positiveID(parts[1]) {
                self.revenue = nil
                self.id = id
                return
            }
            guard parts.count == 3, parts[0] == "r", let id = Int64(parts[2]), CustomerListQuery.isDecimal(parts[1]) else { return nil }
            self.revenue = String(parts[1])
            self.id = id
        }
    }

    public var territory: String
    public var segment: String?
    public var status: String?
    public var sort: Sort
    public var limit: Int
    public var after: After?

    /// The position after `item` in this query's order.
    public func position(after item: CustomerSummary) -> After {
        After(revenue: sort == .revenue ? item.revenue : nil, id: item.id)
    }

    public init(territory: String, segment: String? = nil, status: String? = nil, sort: Sort = .id,
                limit: Int = CustomerListQuery.defaultLimit, after: After? = nil) {
        self.territory = territory
        self.segment = segment
        self.status = status
        self.sort = sort
        self.limit = limit
        self.after = after
    }

    /// Validates raw query parameters. `territory` may be omitted when the caller has exactly one.
    public init(parameters: [String: String], callerTerritories: [String]) throws(CoreError) {
        try Self.rejectUnknown(parameters, known: ["territory", "segment", "status", "sort", "limit", "cursor"])
        territory = try Self.territory(parameters, callerTerritories: callerTerritories)
        segment = try Self.oneOf("segment", parameters["segment"], Self.segments)
        status = try Self.oneOf("status", parameters["status"], Self.statuses)
        sort = try Self.oneOf("sort", parameters["sort"], Sort.allCases.map(\.rawValue)).flatMap(Sort.init(rawValue:)) ?? .id
        limit = try Self.limit(parameters["limit"])
        if let cursor = parameters["cursor"] {
            guard let after = After(cursor: cursor) else { throw Self.bad("cursor", "cursor is not one this API returned (use nextCursor as given)") }
            guard after.sort == sort else {
                throw Self.bad("cursor", "cursor belongs to sort=\(after.sort.rawValue), not sort=\(sort.rawValue) (page on with the sort that returned it)")
            }
            self.after = after
        } else {
            after = nil
        }
    }

    /// Unknown parameters are an error, so a typo never silently widens a query.
    static func rejectUnknown(_ parameters: [String: String], known: Set<String>) throws(CoreError) {
        try RequestParameters.rejectUnknown(parameters.keys, known: known)
    }

    /// `territory`, or the caller's only territory when it is left out.
    static func territory(_ parameters: [String: String], callerTerritories: [String]) throws(CoreError) -> String {
        if let territory = parameters["territory"] {
            guard isTerritoryCode(territory) else { throw bad("territory", "territory must be a territory code such as DE-BY") }
            return territory
        }
        guard callerTerritories.count == 1 else {
            throw bad("territory", "territory is required (this token may read \(callerTerritories.count) territories)")
        }
        return callerTerritories[0]
    }

    static func bad(_ parameter: String, _ message: String) -> CoreError {
        RequestParameters.invalid(parameter, message)
    }

    static func oneOf(_ name: String, _ value: String?, _ allowed: [String]) throws(CoreError) -> String? {
        guard let value else { return nil }
        guard allowed.contains(value) else { throw bad(name, "\(name) must be one of \(allowed.joined(separator: ", "))") }
        return value
    }

    static func limit(_ value: String?) throws(CoreError) -> Int {
        try RequestParameters.integer("limit", value, in: 1...maxLimit) ?? defaultLimit
    }

    /// A positive decimal id without sign or leading zeros (`17`, not `+17` or `017`).
    public static func positiveID(_ s: some StringProtocol) -> Int64? {
        guard let first = s.utf8.first, first != 48, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let id = Int64(s), id > 0 else { return nil }
        return id
    }

    /// Territory codes look like `DE-BY` or `AT-W`.
    public static func isTerritoryCode(_ s: some StringProtocol) -> Bool {
        (2...16).contains(s.count) && s.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }

    static func isDecimal(_ s: Substring) -> Bool {
        var digits = 0, dots = 0
        for (i, c) in s.utf8.enumerated() {
            if c == 45, i == 0 { continue }
            if c == 46 { dots += 1; continue }
            guard c >= 48, c <= 57 else { return false }
            digits += 1
        }
        return digits > 0 && digits <= 20 && dots <= 1
    }
}
