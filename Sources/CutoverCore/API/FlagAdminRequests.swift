/// The body of `PUT /admin/flags/{name}`, read strictly (``JSONObjectFields``): an unknown field
/// such as `modul` is a 400 instead of a change to every module.
public struct FlagChangeRequest: Sendable, Equatable {
    public static let fields: Set<String> = ["state", "module", "allModules", "percent", "reason"]

    public var state: String
    public var module: String?
    public var allModules: Bool?
    public var percent: Int?
    public var reason: String?

    public init(state: String, module: String? = nil, allModules: Bool? = nil, percent: Int? = nil, reason: String? = nil) {
        self.state = state
        self.module = module
        self.allModules = allModules
        self.percent = percent
        self.reason = reason
    }

    /// Reads the body; errors name the field (unknown, missing or of the wrong type).
    public init(json: JSONValue) throws(CoreError) {
        let fields = try JSONObjectFields(json, known: Self.fields)
        state = try fields.requiredString("state")
        module = try fields.string("module")
        allModules = try fields.boolean("allModules")
        // The range is FlagChange's to check (one message for the CLI, the console and here).
        percent = try fields.integer("percent").map { Int($0) }
        reason = try fields.string("reason")
    }
}

/// The body of `POST /admin/flags/{name}/rollback`, read strictly like ``FlagChangeRequest``.
public struct FlagRollbackRequest: Sendable, Equatable {
    public static let fields: Set<String> = ["to", "reason"]

    /// Restore the value before this audit entry (default: the newest).
    public var to: Int64?
    public var reason: String?

    public init(to: Int64? = nil, reason: String? = nil) {
        self.to = to
        self.reason = reason
    }

    public init(json: JSONValue) throws(CoreError) {
        let fields = try JSONObjectFields(json, known: Self.fields)
        to = try fields.integer("to")
        reason = try fields.string("reason")
    }
}

/// The query of `GET /admin/flags/{name}/history`: `limit` (1–1000, default 50), nothing else.
public struct FlagHistoryQuery: Sendable, Equatable {
    public static let maxLimit = 1000
    public var limit: Int

    public init(limit: Int = 50) {
        self.limit = limit
    }

    public init(parameters: [String: String]) throws(CoreError) {
        try RequestParameters.rejectUnknown(parameters.keys, known: ["limit"])
        limit = try RequestParameters.integer("limit", parameters["limit"], in: 1...Self.maxLimit) ?? 50
    }
}
