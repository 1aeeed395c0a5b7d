import CutoverCore
import Yams

extension OpenAPIDocument {
    /// The largest integer a request may write (``RequestParameters/integer(_:)`` reads at most 18 digits).
    static let largestRequestInteger: Int64 = 999_999_999_999_999_999

    /// A territory code, as ``RequestParameters/isTerritoryCode(_:)`` checks it.
    static let territoryPattern = "^[A-Z0-9-]{2,16}$"

    /// The parameters of `view`'s operation, in the order a request is checked: path parameters,
    /// the declared query parameters, then for a page the order, `limit` and `cursor`; then the
    /// request headers the base defines (`If-None-Match`, `Cutover-After-LSN`).
    static func parameters(of view: ViewDeclaration, base: Node.Mapping) -> [Node] {
        let shared = base.child("components").childKeys("parameters")
        var out: [Node] = []
        for parameter in view.parameters.filter({ $0.location == .path }) + view.parameters.filter({ $0.location == .query }) {
            out.append(.object([
                ("name", .text(parameter.name)),
                ("in", .text(parameter.location.rawValue)),
                // A territory query parameter may be left out by a token of one territory.
                ("required", .boolean(parameter.location == .path || (parameter.required && !parameter.territory))),
                ("description", .optionalProse(description(of: parameter))),
                ("schema", schema(of: parameter, description: "", withDefault: true)),
            ]))
        }
        if case .page(let paging) = view.shape {
            if paging.orders.count > 1 {
                out.append(.object([
                    ("name", .text(paging.sortParameter)),
                    ("in", .text("query")),
                    ("required", .boolean(false)),
                    ("description", .prose(orderDescription(paging, view: view))),
                    ("schema", .object([("type", .text("string")), ("enum", .texts(paging.orders.map(\.name))),
                                        ("default", .text(paging.orders[0].name))])),
                ]))
            }
            out.append(.object([
                ("name", .text("limit")),
                ("in", .text("query")),
                ("required", .boolean(false)),
                ("description", .prose("Records per page, 1 to \(paging.maximumLimit) (default \(paging.defaultLimit)), as a plain decimal (`5`, not `05` or `+5`).")),
                ("schema", .object([("type", .text("integer")), ("minimum", .number(1)), ("maximum", .number(paging.maximumLimit)),
                                    ("default", .number(paging.defaultLimit))])),
            ]))
            if shared.contains("Cursor") {
                out.append(.reference("parameters", "Cursor"))
            } else {
                out.append(.object([("name", .text("cursor")), ("in", .text("query")), ("required", .boolean(false)),
                                    ("description", .prose("Opaque; the `nextCursor` of the previous page, unchanged.")),
                                    ("schema", .object([("type", .text("string")), ("minLength", .number(1))]))]))
            }
        }
        for header in ["IfNoneMatch", "AfterLSN"] where shared.contains(header) {
            out.append(.reference("parameters", header))
        }
        return out
    }

    /// The declared description, or for a territory parameter without one what it accepts.
    static func description(of parameter: ViewParameter) -> String {
        guard parameter.description.isEmpty, parameter.territory else { return parameter.description }
        return parameter.location == .path
            ? "A territory code."
            : "A territory code; may be left out when the token holds exactly one territory."
    }

    /// What a value of `parameter` may be, as ``ViewRequest`` checks it (`default` only with
    /// `withDefault`: a response field repeating the parameter has none).
    static func schema(of parameter: ViewParameter, description: String, withDefault: Bool = false) -> Node {
        var pairs: [(String, Node?)] = [("description", .optionalProse(description))]
        switch parameter.kind {
        case .integer:
            pairs += [("type", .text("integer")), ("format", .text("int64")),
                      ("minimum", .number(parameter.minimum ?? -largestRequestInteger)),
                      ("maximum", .number(parameter.maximum ?? largestRequestInteger))]
        case .text:
            pairs.append(("type", .text("string")))
            if let allowed = parameter.allowed {
                pairs.append(("enum", .texts(allowed)))
            } else {
                // The declared pattern matches the whole value; an OpenAPI pattern matches anywhere.
                let pattern = parameter.pattern.map { "^(?:\($0))$" } ?? (parameter.territory ? territoryPattern : nil)
                pairs.append(("minLength", pattern == nil ? .number(1) : nil))
                pairs.append(("maxLength", parameter.maxLength.map { .number($0) }))
                pairs.append(("pattern", pattern.map(Node.text)))
            }
        case .decimal:
            pairs += [("type", .text("string")), ("pattern", .text(#"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"#))]
        case .date:
            pairs += [("type", .text("string")), ("format", .text("date"))]
        case .timestamp:
            pairs += [("type", .text("string")), ("format", .text("date-time"))]
        case .boolean:
            pairs.append(("type", .text("boolean")))
        }
        if withDefault, let fallback = parameter.defaultValue {
            pairs.append(("default", defaultValue(fallback, kind: parameter.kind)))
        }
        return .object(pairs)
    }

    /// A parameter's default as a value of its type (`30`, not `"30"`, for an integer).
    static func defaultValue(_ text: String, kind: ViewParameter.Kind) -> Node {
        switch kind {
        case .integer: Int64(text).map { Node.number($0) } ?? .text(text)
        case .boolean: Node.boolean(text == "true")
        case .text, .decimal, .date, .timestamp: .text(text)
        }
    }

    /// `` `id` (the default) by id; `revenue` by revenue, descending, then id``: each order by its
    /// keys, named by the field that sends the column when there is one.
    static func orderDescription(_ paging: ViewPaging, view: ViewDeclaration) -> String {
        var fieldOfColumn: [String: String] = [:]
        for field in view.fields {
            if case .column(let column, _) = field.value, fieldOfColumn[column] == nil { fieldOfColumn[column] = field.name }
        }
        let orders = paging.orders.enumerated().map { index, order in
            let keys = order.keys.enumerated().map { position, key in
                (position == 0 ? "" : "then ") + (fieldOfColumn[key.column] ?? key.column) + (key.descending ? " (descending)" : "")
            }
            return "`\(order.name)`\(index == 0 ? " (the default)" : "") by \(keys.joined(separator: ", "))"
        }
        return "The order of the records: \(orders.joined(separator: "; ")). A cursor belongs to the order that returned it."
    }
}
