/// Compares what the legacy path and the read model answered for the same read of a declared
/// view, field by field, on the JSON both answered.
///
/// Objects become field paths; arrays of records are matched by the view's identity fields
/// (`id`, `sampleId`, `segment` …) rather than position, so one missing row is reported as that
/// row, not as every row after it. An absent field and a null one are the same.
public enum ShadowDiff {
    /// One record that differs: its key (`items[id=42]` in a list, `id=42` for a single record
    /// such as a customer's detail, `(root)` for a page's own fields) and the differing field paths.
    public struct Mismatch: Sendable, Equatable {
        public var key: String
        public var fields: [String]

        public init(key: String, fields: [String]) {
            self.key = key
            self.fields = fields
        }
    }

    /// The differences between `legacy` and `readModel` (nil: no answer, a 404); empty when they agree.
    public static func compare(legacy: JSONValue?, readModel: JSONValue?, identity: [String]) -> [Mismatch] {
        var a: [String: String] = [:]
        var b: [String: String] = [:]
        flatten(legacy ?? .null, path: "", identity: identity, into: &a)
        flatten(readModel ?? .null, path: "", identity: identity, into: &b)
        // A single record (a customer's detail) is named by its identity, like a list's rows.
        let root = (key(of: legacy, identity: identity) ?? key(of: readModel, identity: identity)) ?? "(root)"
        var byRecord: [String: [String]] = [:]
        for path in Set(a.keys).union(b.keys) where a[path] != b[path] {
            let (record, field) = split(path, root: root)
            byRecord[record, default: []].append(field)
        }
        return byRecord.keys.sorted().map { Mismatch(key: $0, fields: byRecord[$0]!.sorted()) }
    }

    /// Flattens `value` into `path → rendered scalar`; nulls are left out (absent).
    static func flatten(_ value: JSONValue, path: String, identity: [String], into out: inout [String: String]) {
        switch value {
        case .null:
            if path.isEmpty { out["(value)"] = "null" }
        case .bool(let flag): out[path] = flag ? "true" : "false"
        case .integer(let number): out[path] = String(number)
        case .number(let number): out[path] = String(number)
        case .string(let text): out[path] = "\"" + text + "\""
        case .object(let fields):
            for (name, field) in fields {
                flatten(field, path: path.isEmpty ? name : "\(path).\(name)", identity: identity, into: &out)
            }
        case .array(let elements):
            var seen: [String: Int] = [:]
            for (index, element) in elements.enumerated() {
                var name = key(of: element, identity: identity) ?? "#\(index)"
                seen[name, default: 0] += 1
                if seen[name]! > 1 { name += "#\(seen[name]!)" }
                flatten(element, path: "\(path)[\(name)]", identity: identity, into: &out)
            }
            out[path + ".count"] = "\(elements.count)"
        }
    }

    /// `id=42` (or `territory=DE-BY,segment=HOTEL`) for a record holding the identity fields.
    static func key(of value: JSONValue?, identity: [String]) -> String? {
        guard case .object(let fields)? = value, !identity.isEmpty else { return nil }
        var parts: [String] = []
        for name in identity {
            guard let field = fields[name] else { return nil }
            var rendered: [String: String] = [:]
            flatten(field, path: "", identity: [], into: &rendered)
            guard let scalar = rendered[""] else { return nil }
            parts.append("\(name)=\(scalar.hasPrefix("\"") ? String(scalar.dropFirst().dropLast()) : scalar)")
        }
        return parts.joined(separator: ",")
    }

    /// `items[id=42].primaryChef` → (`items[id=42]`, `primaryChef`); root fields → (`root`, field).
    static func split(_ path: String, root: String = "(root)") -> (record: String, field: String) {
        guard let close = path.lastIndex(of: "]") else { return (root, path) }
        let record = String(path[...close])
        var field = String(path[path.index(after: close)...])
        if field.hasPrefix(".") { field.removeFirst() }
        return (record, field.isEmpty ? "(value)" : field)
    }
}
