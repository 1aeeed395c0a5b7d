import CutoverCore

extension ViewCatalogCheck {
    /// Where a column is used, for messages: the declaration key whose line to name, and what uses it.
    struct Place {
        var key: String
        var name: String
    }

    /// Every column the view's fields and orders read, with the kind it is rendered as (nil: only
    /// tested for NULL).
    static func uses(_ view: ViewDeclaration) -> [(column: String, kind: ViewField.Kind?, place: Place)] {
        var out: [(String, ViewField.Kind?, Place)] = []
        func walk(_ fields: [ViewField], _ path: String) {
            for field in fields {
                let name = path.isEmpty ? field.name : "\(path).\(field.name)"
                let place = Place(key: "fields", name: "field \(name)")
                switch field.value {
                case .column(let column, let kind): out.append((column, kind, place))
                case .constant: break
                case .object(let inner, let when):
                    if let when { out.append((when, nil, place)) }
                    walk(inner, name)
                case .elements(let elements):
                    for (index, element) in elements.enumerated() {
                        if let when = element.when { out.append((when, nil, place)) }
                        walk(element.fields, "\(name)[\(index)]")
                    }
                case .jsonArray(let column, _): out.append((column, nil, place))
                }
            }
        }
        walk(view.fields, "")
        switch view.shape {
        case .page(let paging):
            for order in paging.orders {
                for key in order.keys { out.append((key.column, ViewField.Kind(rawValue: key.type.rawValue), Place(key: "page", name: "order \(order.name)"))) }
            }
        case .collection(_, let order, _):
            for key in order { out.append((key.column, ViewField.Kind(rawValue: key.type.rawValue), Place(key: "collection", name: "the order"))) }
        case .object:
            break
        }
        return out
    }

    /// Whether a column of PostgreSQL type `type` (as `format_type` writes it) renders as `kind`.
    static func fits(_ type: String, _ kind: ViewField.Kind) -> Bool {
        let integers = ["bigint", "integer", "smallint"]
        switch kind {
        case .integer: return integers.contains(type)
        case .text: return type == "text" || type.hasPrefix("character") || type == "name"
        case .decimal: return type.hasPrefix("numeric") || integers.contains(type)
        case .date: return type == "date"
        case .timestamp: return type.hasPrefix("timestamp")
        case .boolean: return type == "boolean"
        }
    }

    /// Requests that together run every statement shape of `view`: every parameter given (each
    /// order, with and without a cursor) and only the ones a request must give.
    static func sampleRequests(_ view: ViewDeclaration) -> [ViewRequest] {
        var all: [String: String] = [:]
        var minimal: [String: String] = [:]
        for parameter in view.parameters {
            let value = sample(parameter)
            all[parameter.name] = value
            if parameter.location == .path || parameter.required || parameter.territory { minimal[parameter.name] = value }
        }
        guard case .page(let paging) = view.shape else {
            return [ViewRequest(values: all), ViewRequest(values: minimal)]
        }
        var requests: [ViewRequest] = []
        for order in paging.orders {
            let after = order.keys.map { sample(kind: $0.type) }
            requests.append(ViewRequest(values: all, order: order, limit: paging.defaultLimit))
            requests.append(ViewRequest(values: all, order: order, limit: paging.defaultLimit, after: after))
            requests.append(ViewRequest(values: minimal, order: order, limit: 1, after: after))
        }
        return requests
    }

    static func sample(_ parameter: ViewParameter) -> String {
        if let first = parameter.allowed?.first { return first }
        if parameter.kind == .integer { return String(parameter.minimum ?? 1) }
        if parameter.territory { return "X" }
        return parameter.defaultValue ?? sample(kind: parameter.kind)
    }

    static func sample(kind: ViewParameter.Kind) -> String {
        switch kind {
        case .integer: "1"
        case .text: "x"
        case .decimal: "0"
        case .date: "2000-01-01"
        case .timestamp: "2000-01-01 00:00:00+00"
        case .boolean: "true"
        }
    }

    static func describe(_ request: ViewRequest) -> String {
        var parts = request.values.keys.sorted().map { "\($0)=…" }
        if let order = request.order { parts.append("order \(order.name)\(request.after == nil ? "" : " after a cursor")") }
        return parts.isEmpty ? "a request without parameters" : parts.joined(separator: ", ")
    }
}
