import CutoverCore
import Foundation
import Yams

extension ViewDeclarationParser {
    /// `parameters:`, a mapping in request order. Path parameters must be the route's `{names}`.
    mutating func parameters(_ node: Node?, route: String) throws -> [ViewParameter] {
        let inRoute = route.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
        var out: [ViewParameter] = []
        if let node {
            guard let map = node.mapping else { throw fail(node, "parameters must be a mapping of names to declarations") }
            for (key, value) in map {
                guard let name = key.string, (try? Self.jsonName.wholeMatch(in: name)) != nil else {
                    throw fail(key, "parameter \(key.string ?? "?") must be a camelCase name")
                }
                guard !["limit", "cursor"].contains(name) else { throw fail(key, "\(name) is the engine's own parameter of page views") }
                if let line = key.mark?.line { lines["parameters.\(name)"] = line }
                out.append(try parameter(name, value, inRoute: inRoute.contains(name)))
            }
        }
        for name in inRoute where !out.contains(where: { $0.name == name && $0.location == .path }) {
            throw fail(node, "route parameter {\(name)} needs a declaration under parameters with in: path")
        }
        return out
    }

    func parameter(_ name: String, _ node: Node, inRoute: Bool) throws -> ViewParameter {
        let what = "parameters.\(name)"
        let map = try mapping(node, what, allowed: ["in", "type", "description", "required", "default", "enum", "minimum", "maximum",
                                                    "pattern", "maxLength", "territory", "filter"])
        let location = try string(map, "in", in: what).map { text in
            guard let location = ViewParameter.Location(rawValue: text) else { throw fail(map["in"], "\(what).in must be query or path") }
            return location
        } ?? .query
        guard (location == .path) == inRoute else {
            throw fail(node, inRoute ? "\(name) is in the route: declare it with in: path" : "\(name) is not in the route \(inRouteHint)")
        }
        guard let typeText = try string(map, "type", in: what), let kind = ViewParameter.Kind(rawValue: typeText) else {
            throw fail(map["type"] ?? node, "\(what).type must be one of \(ViewParameter.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var parameter = ViewParameter(name: name, location: location, kind: kind, description: try string(map, "description", in: what) ?? "")
        parameter.required = try bool(map, "required", in: what) ?? (location == .path)
        parameter.territory = try bool(map, "territory", in: what) ?? false
        if parameter.territory, kind != .text { throw fail(map["territory"], "\(what): a territory parameter has type text") }
        if let items = map["enum"] {
            guard let values = items.sequence?.compactMap(\.string), !values.isEmpty, kind == .text else {
                throw fail(items, "\(what).enum must be a non-empty list of text values (type text)")
            }
            parameter.allowed = values
        }
        parameter.minimum = try integer(map, "minimum", in: what)
        parameter.maximum = try integer(map, "maximum", in: what)
        if parameter.minimum != nil || parameter.maximum != nil, kind != .integer {
            throw fail(map["minimum"] ?? map["maximum"], "\(what): minimum and maximum bound integers")
        }
        if let pattern = try string(map, "pattern", in: what) {
            guard (try? Regex(pattern)) != nil else { throw fail(map["pattern"], "\(what).pattern is not a regular expression") }
            parameter.pattern = pattern
        }
        parameter.maxLength = try integer(map, "maxLength", in: what).map(Int.init)
        if let fallback = try string(map, "default", in: what) {
            do throws(CoreError) {
                _ = try ViewRequest.check(fallback, for: parameter)
            } catch {
                throw fail(map["default"], "\(what).default: \(error.message)")
            }
            parameter.defaultValue = fallback
        }
        if let filter = try string(map, "filter", in: what) {
            do throws(CoreError) {
                parameter.filter = try ViewSQL(parsing: filter)
            } catch {
                throw fail(map["filter"], "\(what).filter: \(error.message)")
            }
        }
        return parameter
    }

    var inRouteHint: String { "(declare it with in: query, the default)" }

    func bool(_ map: Node.Mapping, _ key: String, in what: String) throws -> Bool? {
        guard let node = map[key] else { return nil }
        guard let value = node.bool else { throw fail(node, "\(what).\(key) must be true or false") }
        return value
    }

    func integer(_ map: Node.Mapping, _ key: String, in what: String) throws -> Int64? {
        guard let node = map[key] else { return nil }
        guard let value = node.int else { throw fail(node, "\(what).\(key) must be an integer") }
        return Int64(value)
    }

    /// `fields:`: a mapping of camelCase names to `column type [required]`, `{value: text}`,
    /// `{when: column, fields: …}`, `{elements: [{when:, fields:}, …]}` or `{json: column, items: …}`.
    func fields(_ node: Node?, path: String, at parent: Node) throws -> [ViewField] {
        guard let node else { throw fail(parent, "\(path) is required") }
        guard let map = node.mapping, !map.isEmpty else { throw fail(node, "\(path) must be a mapping of field names") }
        guard map.count <= 50 else { throw fail(node, "\(path) has \(map.count) fields; an object holds at most 50") }
        var out: [ViewField] = []
        for (key, value) in map {
            guard let name = key.string, (try? Self.jsonName.wholeMatch(in: name)) != nil else {
                throw fail(key, "field \(key.string ?? "?") must be a camelCase name")
            }
            out.append(try field(name, value, path: "\(path).\(name)"))
        }
        return out
    }

    func field(_ name: String, _ node: Node, path: String) throws -> ViewField {
        if let text = node.string, node.scalar != nil {
            let words = text.split(separator: " ").map(String.init)
            guard (2...3).contains(words.count), let kind = ViewField.Kind(rawValue: words[1]), words.count == 2 || words[2] == "required" else {
                throw fail(node, "\(path) must be \"<column> <type> [required]\" with a type of \(ViewField.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return ViewField(name: name, value: .column(try column(words[0], at: node), kind), required: words.count == 3)
        }
        let map = try mapping(node, path, allowed: ["value", "when", "fields", "elements", "json", "items", "description", "required"])
        let description = try string(map, "description", in: path) ?? ""
        let required = try bool(map, "required", in: path) ?? false
        if let constant = try string(map, "value", in: path) {
            return ViewField(name: name, value: .constant(constant), description: description, required: true)
        }
        if let elements = map["elements"] {
            guard let items = elements.sequence, !items.isEmpty else { throw fail(elements, "\(path).elements must be a list") }
            let parsed = try items.enumerated().map { index, item in
                let element = try mapping(item, "\(path).elements[\(index)]", allowed: ["when", "fields"])
                let when = try string(element, "when", in: path).map { try column($0, at: item) }
                return ViewField.Element(when: when, fields: try fields(element["fields"], path: "\(path).elements[\(index)].fields", at: item))
            }
            return ViewField(name: name, value: .elements(parsed), description: description, required: true)
        }
        if let json = try string(map, "json", in: path) {
            let items = try map["items"].map { try fields($0, path: "\(path).items", at: node) } ?? []
            return ViewField(name: name, value: .jsonArray(try column(json, at: map["json"]!), items: items), description: description, required: required)
        }
        guard map["fields"] != nil else { throw fail(node, "\(path) needs fields, elements, json or value") }
        let when = try string(map, "when", in: path).map { try column($0, at: map["when"]!) }
        return ViewField(name: name, value: .object(fields: try fields(map["fields"], path: "\(path).fields", at: node), when: when),
                         description: description, required: required || when == nil)
    }

    /// `page:`, `object:` or `collection:` (exactly one).
    func shape(_ map: Node.Mapping, parameters: [ViewParameter], at root: Node) throws -> ViewDeclaration.Shape {
        let given = ["page", "object", "collection"].filter { map[$0] != nil }
        guard given.count == 1 else { throw fail(root, "give exactly one of page, object, collection (what the response is)") }
        switch given[0] {
        case "page":
            let node = map["page"]!
            let page = try mapping(node, "page", allowed: ["orders", "sortParameter", "defaultLimit", "maximumLimit"])
            guard let orders = page["orders"]?.mapping, !orders.isEmpty else { throw fail(node, "page.orders must name at least one order") }
            var parsed: [ViewPaging.Order] = []
            for (key, value) in orders {
                guard let name = key.string, (try? Self.identifier.wholeMatch(in: name)) != nil else { throw fail(key, "an order's name is lower case") }
                parsed.append(ViewPaging.Order(name: name, keys: try sortKeys(value, what: "page.orders.\(name)")))
            }
            let maximum = Int(try integer(page, "maximumLimit", in: "page") ?? 200)
            let fallback = Int(try integer(page, "defaultLimit", in: "page") ?? 50)
            guard (1...1000).contains(maximum), (1...maximum).contains(fallback) else {
                throw fail(node, "page: 1 <= defaultLimit <= maximumLimit <= 1000")
            }
            let sortParameter = try string(page, "sortParameter", in: "page") ?? "sort"
            if parameters.contains(where: { $0.name == sortParameter }) { throw fail(node, "page.sortParameter \(sortParameter) is also a parameter") }
            return .page(ViewPaging(sortParameter: sortParameter, orders: parsed, defaultLimit: fallback, maximumLimit: maximum))
        case "object":
            let node = map["object"]!
            let object = try mapping(node, "object", allowed: ["notFound"])
            return .object(notFound: try string(object, "notFound", in: "object") ?? "not found")
        default:
            let node = map["collection"]!
            let collection = try mapping(node, "collection", allowed: ["field", "order", "envelope"])
            let field = try required(collection, "field", in: "collection", at: node)
            var envelope: [ViewDeclaration.EnvelopeField] = []
            if let entries = collection["envelope"] {
                guard let entryMap = entries.mapping else { throw fail(entries, "collection.envelope maps field names to parameters") }
                for (key, value) in entryMap {
                    guard let name = key.string, let parameter = value.string, parameters.contains(where: { $0.name == parameter }) else {
                        throw fail(key, "collection.envelope.\(key.string ?? "?") must name a parameter")
                    }
                    envelope.append(.init(name: name, parameter: parameter))
                }
            }
            guard let order = collection["order"] else { throw fail(node, "collection.order is required (the records' order)") }
            return .collection(field: field, order: try sortKeys(order, what: "collection.order"), envelope: envelope)
        }
    }

    /// A list of `column type [desc]`.
    func sortKeys(_ node: Node, what: String) throws -> [ViewSortKey] {
        guard let items = node.sequence, !items.isEmpty else { throw fail(node, "\(what) must be a list of \"<column> <type> [desc]\"") }
        return try items.map { item in
            let words = (item.string ?? "").split(separator: " ").map(String.init)
            guard (2...3).contains(words.count), let type = ViewParameter.Kind(rawValue: words[1]), type != .boolean,
                  words.count == 2 || words[2] == "desc" else {
                throw fail(item, "\(what): each key is \"<column> <type> [desc]\" (types integer, text, decimal, date, timestamp)")
            }
            return ViewSortKey(column: try column(words[0], at: item), descending: words.count == 3, type: type)
        }
    }
}
