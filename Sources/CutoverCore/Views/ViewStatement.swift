/// The one statement that answers a request to a declared view: the view's SQL (read model or
/// legacy) narrowed by the given parameters' filters, ordered, paged by keyset, and turned into
/// the response's JSON by PostgreSQL (`json_build_object`, `json_agg`, `json_strip_nulls`), so
/// the server passes the bytes through. Arguments travel as one text array (`$1`), each cast to
/// its parameter's type where it is used; a parameter the request left out is a typed NULL.
public struct ViewStatement: Sendable, Equatable {
    /// SQL with `$1` (a text array) as its only parameter, returning one `json` value, or no
    /// row for an object view that found nothing.
    public var sql: String
    public var arguments: [String]

    /// The statement for `request` on the view's legacy SQL (`legacy`) or its read model.
    public init(_ view: ViewDeclaration, request: ViewRequest, legacy: Bool) {
        var arguments: [String] = []
        var references: [String: String] = [:]
        func argument(_ value: String, _ type: String) -> String {
            arguments.append(value)
            return "($1[\(arguments.count)])::\(type)"
        }
        func reference(_ name: String) -> String {
            if let known = references[name] { return known }
            let type = view.parameter(name)?.kind.sqlType ?? "text"
            let rendered = request.values[name].map { argument($0, type) } ?? "NULL::\(type)"
            references[name] = rendered
            return rendered
        }
        let source = (legacy ? view.legacySQL : view.readModelSQL).render(reference)
        var filters = ""
        for parameter in view.parameters where request.values[parameter.name] != nil {
            if let filter = parameter.filter { filters += "\n  AND (\(filter.render(reference)))" }
        }
        let item = view.recordSQL
        switch view.shape {
        case .object:
            sql = "SELECT json_strip_nulls(\(item))\nFROM (\(source)\n) AS v\nWHERE true\(filters)\nLIMIT 1"
        case .collection(let field, let order, let envelope):
            var parts: [String] = []
            for entry in envelope {
                parts.append(Self.literal(entry.name))
                parts.append(reference(entry.parameter))
            }
            parts.append(Self.literal(field))
            parts.append("coalesce(json_agg(\(item) ORDER BY \(Self.orderBy(order))), '[]'::json)")
            sql = "SELECT json_strip_nulls(json_build_object(\(parts.joined(separator: ", "))))\nFROM (\(source)\n) AS v\nWHERE true\(filters)"
        case .page:
            let order = request.order ?? ViewPaging.Order(name: "", keys: [])
            var after = ""
            if let values = request.after, values.count == order.keys.count, !order.keys.isEmpty {
                let bounds = zip(order.keys, values).map { key, value in argument(value, key.type.sqlType) }
                after = "\n  AND " + Self.after(order.keys, bounds)
            }
            let limit = max(request.limit, 1)
            let keys = order.keys.map { "v.\($0.column)::text" }.joined(separator: ", ")
            let cursor = "translate(encode(convert_to(json_build_array(\(Self.literal(order.name)), \(keys))::text, 'UTF8'), 'base64'), E'+/=\\n', '-_')"
            sql = """
                SELECT json_strip_nulls(json_build_object(
                  'items', coalesce(json_agg(p.item ORDER BY p.n) FILTER (WHERE p.n <= \(limit)), '[]'::json),
                  'nextCursor', CASE WHEN count(*) > \(limit) THEN max(p.cursor) END))
                FROM (SELECT row_number() OVER () AS n, \(item) AS item,
                             CASE WHEN row_number() OVER () = \(limit) THEN \(cursor) END AS cursor
                      FROM (SELECT * FROM (\(source)
                            ) AS v
                            WHERE true\(filters)\(after)
                            ORDER BY \(Self.orderBy(order.keys)) LIMIT \(limit + 1)) AS v) AS p
                """
        }
        self.arguments = arguments
    }

    /// `json_build_object(...)` of `fields` over the row `v`.
    static func object(_ fields: [ViewField]) -> String {
        "json_build_object(" + fields.map { "\(literal($0.name)), \(value($0.value))" }.joined(separator: ", ") + ")"
    }

    static func value(_ value: ViewField.Value) -> String {
        switch value {
        case .column(let column, let kind):
            switch kind {
            case .integer, .text, .boolean: return "v.\(column)"
            case .decimal: return "(v.\(column))::text"
            case .date: return "to_char(v.\(column), 'YYYY-MM-DD')"
            case .timestamp: return "to_char(v.\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            }
        case .constant(let text):
            return literal(text)
        case .object(let fields, let when):
            guard let when else { return object(fields) }
            return "CASE WHEN v.\(when) IS NOT NULL THEN \(object(fields)) END"
        case .elements(let elements):
            let rows = elements.enumerated().map { index, element in
                let built = element.when.map { "CASE WHEN v.\($0) IS NOT NULL THEN \(object(element.fields)) END" } ?? object(element.fields)
                return "(\(index + 1), \(built))"
            }
            return "(SELECT coalesce(json_agg(e.x ORDER BY e.i), '[]'::json) FROM (VALUES \(rows.joined(separator: ", "))) AS e(i, x) WHERE e.x IS NOT NULL)"
        case .jsonArray(let column, _):
            return "to_json(v.\(column))"
        }
    }

    static func orderBy(_ keys: [ViewSortKey]) -> String {
        keys.map { "v.\($0.column)" + ($0.descending ? " DESC" : "") }.joined(separator: ", ")
    }

    /// The rows after `bounds` in the order of `keys`: a row comparison when every key runs the
    /// same way (one index range), else the first key's inclusive bound (for the index) and the
    /// lexicographic rest.
    static func after(_ keys: [ViewSortKey], _ bounds: [String]) -> String {
        if Set(keys.map(\.descending)).count == 1 {
            let columns = keys.map { "v.\($0.column)" }.joined(separator: ", ")
            return "(\(columns)) \(keys[0].descending ? "<" : ">") (\(bounds.joined(separator: ", ")))"
        }
        var alternatives: [String] = []
        for index in keys.indices {
            var terms = (0..<index).map { "v.\(keys[$0].column) = \(bounds[$0])" }
            terms.append("v.\(keys[index].column) \(keys[index].descending ? "<" : ">") \(bounds[index])")
            alternatives.append(terms.joined(separator: " AND "))
        }
        let first = "v.\(keys[0].column) \(keys[0].descending ? "<=" : ">=") \(bounds[0])"
        return "\(first) AND ((\(alternatives.joined(separator: ") OR ("))))"
    }

    /// A SQL string literal.
    static func literal(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "'")) else { return "'" + text + "'" }
        var out = "'"
        for character in text {
            if character == "'" { out += "''" } else { out.append(character) }
        }
        return out + "'"
    }
}
