/// A read view of the API, declared as data in `projections/<projection>/views/<view>.yaml`:
/// its route and parameters, the SQL on the read model and the legacy SQL returning the same
/// columns, the response's fields, the identity of its records for shadow comparison and the
/// reader flag that switches it. The engine serves every declared view through one generic path
/// (``ViewStatement``); no view has Swift of its own.
public struct ViewDeclaration: Sendable, Equatable {
    /// `customers.list`: what flags, metrics and usage name it by.
    public var name: APIView
    /// The projection whose folder holds the declaration; its lag is the view's lag.
    public var projection: String
    /// The declaration's path, for messages.
    public var file: String
    /// `/v1/customers/{id}`: the route, its path parameters in braces.
    public var route: String
    /// One line for the OpenAPI operation.
    public var summary: String
    /// Longer text for the OpenAPI operation.
    public var description: String
    /// The reader flag that switches the view between the legacy SQL and the read model.
    public var flag: String
    /// Which parts of the caller's context the statements see; the rest is left empty (which
    /// masks what depends on it: without `user`, no lead protection is the caller's own).
    public var context: Set<ContextPart>
    /// Path and query parameters, in declaration order (the order of their arguments).
    public var parameters: [ViewParameter]
    /// What the response is: a page of records, one record, or every record.
    public var shape: Shape
    /// The fields of one record, in order.
    public let fields: [ViewField]
    /// `json_build_object(…)` of ``fields`` over the row `v`, rendered once (every request's
    /// statement repeats it).
    public let recordSQL: String
    /// The fields that identify a record (shadow comparison matches records by them).
    public var identity: [String]
    /// The read model's SQL: reads views in schema `read` as `cutover_reader`.
    public var readModelSQL: ViewSQL
    /// What the module runs today, on the write tables, returning the same columns.
    public var legacySQL: ViewSQL
    /// Lines of the declaration's keys, for messages (`fields.id`, `parameters.territory`, `sql` …).
    public var lines: [String: Int]

    public enum ContextPart: String, Sendable, Equatable, CaseIterable {
        case territories, user, role
    }

    public enum Shape: Sendable, Equatable {
        /// `{items: [...], nextCursor}`: one page in one of the named orders, keyset-paginated.
        case page(ViewPaging)
        /// One record; no row is a 404 with `notFound` (parameters in braces are filled in).
        case object(notFound: String)
        /// Every row under `field`, in `order`, beside fields copied from parameters (`envelope`).
        case collection(field: String, order: [ViewSortKey], envelope: [EnvelopeField])
    }

    /// A field of a collection's response that repeats a parameter (`territoryCode: code`).
    public struct EnvelopeField: Sendable, Equatable {
        public var name: String
        public var parameter: String

        public init(name: String, parameter: String) {
            self.name = name
            self.parameter = parameter
        }
    }

    public init(name: APIView, projection: String, file: String, route: String, summary: String, description: String = "",
                flag: String, context: Set<ContextPart>, parameters: [ViewParameter], shape: Shape, fields: [ViewField],
                identity: [String], readModelSQL: ViewSQL, legacySQL: ViewSQL, lines: [String: Int] = [:]) {
        self.name = name
        self.projection = projection
        self.file = file
        self.route = route
        self.summary = summary
        self.description = description
        self.flag = flag
        self.context = context
        self.parameters = parameters
        self.shape = shape
        self.fields = fields
        self.recordSQL = ViewStatement.object(fields)
        self.identity = identity
        self.readModelSQL = readModelSQL
        self.legacySQL = legacySQL
        self.lines = lines
    }

    /// The parameter named `name`.
    public func parameter(_ name: String) -> ViewParameter? { parameters.first { $0.name == name } }

    /// Where `key` is declared, as `file:line` (or the file alone).
    public func location(_ key: String) -> String {
        lines[key].map { "\(file):\($0)" } ?? file
    }

    /// The path segments of ``route`` (`["v1", "customers", "{id}"]`).
    public var routeSegments: [Substring] { route.split(separator: "/") }

    /// Query parameters the view accepts, built-in ones (`limit`, `cursor`, the sort) included.
    public var queryParameterNames: Set<String> {
        var names = Set(parameters.filter { $0.location == .query }.map(\.name))
        if case .page(let paging) = shape {
            names.formUnion(["limit", "cursor"])
            if paging.orders.count > 1 { names.insert(paging.sortParameter) }
        }
        return names
    }
}

/// Keyset pagination of a page view.
public struct ViewPaging: Sendable, Equatable {
    /// The query parameter choosing the order (`sort`), when there is more than one.
    public var sortParameter: String
    /// Named orders; the first is the default. Each ends with a unique tie-breaker.
    public var orders: [Order]
    public var defaultLimit: Int
    public var maximumLimit: Int

    public struct Order: Sendable, Equatable {
        public var name: String
        public var keys: [ViewSortKey]

        public init(name: String, keys: [ViewSortKey]) {
            self.name = name
            self.keys = keys
        }
    }

    public init(sortParameter: String = "sort", orders: [Order], defaultLimit: Int = 50, maximumLimit: Int = 200) {
        self.sortParameter = sortParameter
        self.orders = orders
        self.defaultLimit = defaultLimit
        self.maximumLimit = maximumLimit
    }

    public func order(_ name: String) -> Order? { orders.first { $0.name == name } }
}

/// A sort key: a column of the view's SQL, its direction and its type (which the cursor keeps).
public struct ViewSortKey: Sendable, Equatable {
    public var column: String
    public var descending: Bool
    public var type: ViewParameter.Kind

    public init(column: String, descending: Bool = false, type: ViewParameter.Kind) {
        self.column = column
        self.descending = descending
        self.type = type
    }
}
