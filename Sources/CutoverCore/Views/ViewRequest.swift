import Foundation

/// A request to a declared view, validated against its declaration: every parameter of the
/// right type and within its bounds, none unknown or missing, the order, the page size and the
/// cursor's position. Errors are ``CoreError/Code/invalidArgument`` naming the parameter (a 400).
public struct ViewRequest: Sendable, Equatable {
    /// Validated values by parameter name (given or defaulted); absent optional ones are missing.
    public var values: [String: String]
    /// The order of a page view.
    public var order: ViewPaging.Order?
    /// Records per page (page views).
    public var limit: Int
    /// The position after which the page starts: the sort keys' values of the previous page's last record.
    public var after: [String]?

    public init(values: [String: String], order: ViewPaging.Order? = nil, limit: Int = 0, after: [String]? = nil) {
        self.values = values
        self.order = order
        self.limit = limit
        self.after = after
    }

    /// Validates `path` and `query` parameters for `view`. A territory parameter left out is the
    /// caller's only territory (`callerTerritories`); whether the caller may read a given one is
    /// the server's decision (``territoryArguments``).
    public init(view: ViewDeclaration, path: [String: String], query: [String: String], callerTerritories: [String]) throws(CoreError) {
        try RequestParameters.rejectUnknown(query.keys, known: view.queryParameterNames)
        var values: [String: String] = [:]
        for parameter in view.parameters {
            let given = parameter.location == .path ? path[parameter.name] : query[parameter.name]
            if let given {
                values[parameter.name] = try Self.check(given, for: parameter)
            } else if parameter.territory, callerTerritories.count == 1 {
                values[parameter.name] = callerTerritories[0]
            } else if let fallback = parameter.defaultValue {
                values[parameter.name] = fallback
            } else if parameter.required || parameter.location == .path || parameter.territory {
                let extra = parameter.territory ? " (this token may read \(callerTerritories.count) territories)" : ""
                throw RequestParameters.invalid(parameter.name, "\(parameter.name) is required\(extra)")
            }
        }
        self.values = values
        self.order = nil
        self.limit = 0
        self.after = nil
        if case .page(let paging) = view.shape {
            var order = paging.orders[0]
            if let name = query[paging.sortParameter], paging.orders.count > 1 {
                guard let chosen = paging.order(name) else {
                    throw RequestParameters.invalid(paging.sortParameter,
                                                    "\(paging.sortParameter) must be one of \(paging.orders.map(\.name).joined(separator: ", "))")
                }
                order = chosen
            }
            self.order = order
            self.limit = try RequestParameters.integer("limit", query["limit"], in: 1...paging.maximumLimit) ?? paging.defaultLimit
            if let cursor = query["cursor"] {
                self.after = try Self.position(cursor, order: order, paging: paging)
            }
        }
    }

    /// The territory parameters' values, for the server's check against the caller's territories.
    public func territoryArguments(of view: ViewDeclaration) -> [(parameter: ViewParameter, value: String)] {
        view.parameters.filter(\.territory).compactMap { parameter in values[parameter.name].map { (parameter, $0) } }
    }

    /// `text` as the value of `parameter`, or a 400 naming it.
    package static func check(_ text: String, for parameter: ViewParameter) throws(CoreError) -> String {
        let name = parameter.name
        func bad() -> CoreError {
            RequestParameters.invalid(name, "\(name) must be \(parameter.expectation); got \(text.count > 40 ? String(text.prefix(40)) + "…" : text)")
        }
        if let allowed = parameter.allowed {
            guard allowed.contains(text) else { throw bad() }
            return text
        }
        guard Self.valid(text, as: parameter.kind) else { throw bad() }
        switch parameter.kind {
        case .integer:
            guard let value = Int64(text) else { throw bad() }
            if let minimum = parameter.minimum, value < minimum { throw bad() }
            if let maximum = parameter.maximum, value > maximum { throw bad() }
        case .text:
            if parameter.territory, !RequestParameters.isTerritoryCode(text) { throw bad() }
            if let maxLength = parameter.maxLength, text.count > maxLength { throw bad() }
            if let pattern = parameter.pattern {
                guard let regex = try? Regex(pattern), (try? regex.wholeMatch(in: text)) != nil else { throw bad() }
            }
        default:
            break
        }
        return text
    }

    /// Whether `text` is a canonical value of `kind` (integers without sign or leading zeros
    /// quirks, decimals, ISO dates, timestamps as PostgreSQL writes them or in ISO form).
    public static func valid(_ text: String, as kind: ViewParameter.Kind) -> Bool {
        switch kind {
        case .integer: return RequestParameters.integer(text) != nil
        case .text: return !text.isEmpty && !text.unicodeScalars.contains { $0.value == 0 }
        case .decimal: return RequestParameters.isDecimal(text)
        case .date: return ISODate.isValid(text)
        case .timestamp:
            guard text.count >= 19, text.count <= 40, ISODate.isValid(text.prefix(10)) else { return false }
            return text.dropFirst(10).unicodeScalars.allSatisfy { "0123456789:.+- TZ".unicodeScalars.contains($0) }
        case .boolean: return text == "true" || text == "false"
        }
    }

    /// The sort keys' values a cursor carries, checked against `order`'s keys.
    static func position(_ cursor: String, order: ViewPaging.Order, paging: ViewPaging) throws(CoreError) -> [String] {
        let malformed = RequestParameters.invalid("cursor", "cursor is not one this API returned (use nextCursor as given)")
        guard let text = Base64URL.decode(cursor), let data = text.data(using: .utf8),
              let parts = try? JSONDecoder().decode([String].self, from: data), let name = parts.first else { throw malformed }
        guard name == order.name else {
            guard paging.order(name) != nil else { throw malformed }
            throw RequestParameters.invalid("cursor", "cursor belongs to \(paging.sortParameter)=\(name), not \(paging.sortParameter)=\(order.name) (page on with the order that returned it)")
        }
        let values = Array(parts.dropFirst())
        guard values.count == order.keys.count else { throw malformed }
        for (value, key) in zip(values, order.keys) where key.type != .text && !valid(value, as: key.type) { throw malformed }
        return values
    }
}
