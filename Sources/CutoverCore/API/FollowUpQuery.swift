/// `GET /v1/samples/followups` parameters, validated: one territory (optional when the caller has
/// exactly one), optionally one owner, ordered by due date (overdue first), keyset-paginated.
public struct FollowUpQuery: Sendable, Equatable {
    public struct After: Sendable, Equatable {
        /// ISO date.
        public var due: String
        public var sampleID: Int64

        public init(due: String, sampleID: Int64) {
            self.due = due
            self.sampleID = sampleID
        }

        public var cursor: String { Base64URL.encode("f:\(due):\(sampleID)") }

        public init?(cursor: String) {
            guard let text = Base64URL.decode(cursor) else { return nil }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "f", let id = Int64(parts[2]), ISODate.isValid(parts[1]) else { return nil }
            self.due = String(parts[1])
            self.sampleID = id
        }
    }

    public var territory: String
    public var ownerID: Int64?
    public var limit: Int
    public var after: After?

    public init(territory: String, ownerID: Int64? = nil, limit: Int = CustomerListQuery.defaultLimit, after: After? = nil) {
        self.territory = territory
        self.ownerID = ownerID
        self.limit = limit
        self.after = after
    }

    public init(parameters: [String: String], callerTerritories: [String]) throws(CoreError) {
        try CustomerListQuery.rejectUnknown(parameters, known: ["territory", "owner", "limit", "cursor"])
        territory = try CustomerListQuery.territory(parameters, callerTerritories: callerTerritories)
        if let owner = parameters["owner"] {
            guard let id = CustomerListQuery.positiveID(owner) else { throw CustomerListQuery.bad("owner", "owner must be a user id (a positive integer)") }
            ownerID = id
        } else {
            ownerID = nil
        }
        limit = try CustomerListQuery.limit(parameters["limit"])
        if let cursor = parameters["cursor"] {
            guard let after = After(cursor: cursor) else { throw CustomerListQuery.bad("cursor", "cursor is not one this API returned (use nextCursor as given)") }
            self.after = after
        } else {
            after = nil
        }
    }
}

/// ISO calendar dates (yyyy-mm-dd) as text.
public enum ISODate {
    /// Whether `s` is a plausible yyyy-mm-dd date.
    public static func isValid(_ s: some StringProtocol) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return false }
        guard y >= 1, (1...12).contains(m) else { return false }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return (1...days).contains(d)
    }
}
