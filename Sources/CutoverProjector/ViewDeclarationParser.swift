import CutoverCore
import Foundation
import Yams

/// Turns one declaration's YAML into a ``ViewDeclaration``, refusing unknown keys, wrong types
/// and references to nothing, each with the file and line.
struct ViewDeclarationParser {
    let file: String
    let projection: String
    var lines: [String: Int] = [:]

    init(file: String, projection: String) {
        self.file = file
        self.projection = projection
    }

    func fail(_ node: Node?, _ message: String) -> CoreError {
        let place = node?.mark.map { "\(file):\($0.line)" } ?? file
        return CoreError(.invalidView, "\(place): \(message)", context: ["file": file, "line": node?.mark.map { "\($0.line)" } ?? ""])
    }

    func mapping(_ node: Node, _ what: String, allowed: Set<String>) throws -> Node.Mapping {
        guard let map = node.mapping else { throw fail(node, "\(what) must be a mapping") }
        for (key, _) in map {
            guard let name = key.string, allowed.contains(name) else {
                let hint = key.string.flatMap { Self.closest($0, in: allowed) }.map { "did you mean \($0)? " } ?? ""
                throw fail(key, "unknown key \(key.string ?? "?") in \(what); \(hint)known: \(allowed.sorted().joined(separator: ", "))")
            }
        }
        return map
    }

    func string(_ map: Node.Mapping, _ key: String, in what: String) throws -> String? {
        guard let node = map[key] else { return nil }
        guard node.scalar != nil, let text = node.string else { throw fail(node, "\(what).\(key) must be text") }
        return text
    }

    func required(_ map: Node.Mapping, _ key: String, in what: String, at node: Node) throws -> String {
        guard let text = try string(map, key, in: what), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw fail(node, "\(what == "view" ? "" : what + ".")\(key) is required")
        }
        return text
    }

    static var identifier: Regex<Substring> { /[a-z_][a-z0-9_]*/ }
    static var jsonName: Regex<Substring> { /[a-z][A-Za-z0-9]*/ }

    func column(_ text: String, at node: Node) throws -> String {
        guard (try? Self.identifier.wholeMatch(in: text)) != nil else {
            throw fail(node, "\(text) is not a column name (lower case letters, digits and _)")
        }
        return text
    }

    mutating func declaration(_ root: Node) throws -> ViewDeclaration {
        let allowed: Set<String> = ["view", "route", "summary", "description", "flag", "context", "parameters", "page", "object", "collection",
                                    "fields", "identity", "sql", "legacy"]
        let map = try mapping(root, "the declaration", allowed: allowed)
        for (key, _) in map { if let name = key.string, let line = key.mark?.line { lines[name] = line } }
        let name = try required(map, "view", in: "view", at: root)
        guard (try? /[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+/.wholeMatch(in: name)) != nil else {
            throw fail(map["view"], "view \(name) must be a dotted lower-case name such as contacts.list")
        }
        let route = try required(map, "route", in: "view", at: root)
        guard route.hasPrefix("/v1/"), route.count > 4, !route.hasSuffix("/"),
              route.split(separator: "/").allSatisfy({ (try? /\{[a-z][A-Za-z0-9]*\}|[a-z0-9][a-z0-9-]*/.wholeMatch(in: $0)) != nil }) else {
            throw fail(map["route"], "route \(route) must be a path under /v1/ of lower-case segments and {parameters}")
        }
        let flag = try required(map, "flag", in: "view", at: root)
        var context = Set<ViewDeclaration.ContextPart>()
        if let node = map["context"] {
            guard let items = node.sequence else { throw fail(node, "context must be a list of territories, user, role") }
            for item in items {
                guard let part = item.string.flatMap(ViewDeclaration.ContextPart.init(rawValue:)) else {
                    throw fail(item, "context holds territories, user and role; not \(item.string ?? "?")")
                }
                context.insert(part)
            }
        } else {
            context = [.territories]
        }
        let parameters = try self.parameters(map["parameters"], route: route)
        let fields = try self.fields(map["fields"], path: "fields", at: root)
        let shape = try self.shape(map, parameters: parameters, at: root)
        let identity: [String]
        if let node = map["identity"] {
            guard let items = node.sequence?.compactMap(\.string), !items.isEmpty else { throw fail(node, "identity must be a list of field names") }
            for item in items where !fields.contains(where: { $0.name == item }) {
                throw fail(node, "identity field \(item) is not one of the fields")
            }
            identity = items
        } else {
            identity = []
        }
        let readModel = try sql(map, "sql", at: root)
        let legacy = try sql(map, "legacy", at: root)
        for parameter in parameters {
            let used = parameter.filter != nil
                || (readModel.parameterNames.contains(parameter.name) && legacy.parameterNames.contains(parameter.name))
            guard used else {
                throw fail(map["parameters"], "parameter \(parameter.name) narrows nothing: give it a filter, or use :\(parameter.name) in both sql and legacy")
            }
        }
        let known = Set(parameters.map(\.name))
        for (key, statement) in [("sql", readModel), ("legacy", legacy)] {
            for used in statement.parameterNames where !known.contains(used) {
                throw fail(map[key], "\(key) uses :\(used), which is not a parameter (declared: \(known.sorted().joined(separator: ", ")))")
            }
        }
        return ViewDeclaration(name: APIView(rawValue: name), projection: projection, file: file, route: route,
                               summary: try string(map, "summary", in: "view") ?? name, description: try string(map, "description", in: "view") ?? "",
                               flag: flag, context: context, parameters: parameters, shape: shape, fields: fields, identity: identity,
                               readModelSQL: readModel, legacySQL: legacy, lines: lines)
    }

    func sql(_ map: Node.Mapping, _ key: String, at root: Node) throws -> ViewSQL {
        let text = try required(map, key, in: "view", at: root).trimmingCharacters(in: .whitespacesAndNewlines)
        var trimmed = text
        while trimmed.hasSuffix(";") { trimmed.removeLast() }
        guard !trimmed.contains(";") else { throw fail(map[key], "\(key) must be one statement") }
        do throws(CoreError) {
            return try ViewSQL(parsing: trimmed)
        } catch {
            throw fail(map[key], "\(key): \(error.message)")
        }
    }

    /// The closest of `candidates` to `word` when it is a likely typo.
    static func closest(_ word: String, in candidates: Set<String>) -> String? {
        EditDistance.closest(to: word, among: candidates.sorted())
    }
}
