/// Compares what the legacy path and the read model answered for the same read, field by field.
///
/// Works on any model value through `Mirror`: structs become field paths, optionals their value
/// or `null`, and arrays of records are matched by their identity field (`id`, `sampleId`,
/// `segment`) rather than position, so one missing row is reported as that row, not as every
/// row after it.
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

    /// Fields that identify a record inside an array, in order of preference.
    static let identityFields = ["id", "sampleId", "segment"]

    /// The differences between `legacy` and `readModel`; empty when they agree.
    public static func compare<T>(legacy: T, readModel: T) -> [Mismatch] {
        var a: [String: String] = [:]
        var b: [String: String] = [:]
        flatten(legacy, path: "", into: &a)
        flatten(readModel, path: "", into: &b)
        // A single record (a customer's detail) is named by its identity, like a list's rows.
        let root = (rootIdentity(legacy) ?? rootIdentity(readModel)).map { "\($0.field)=\($0.value)" } ?? "(root)"
        var byRecord: [String: [String]] = [:]
        for path in Set(a.keys).union(b.keys) where a[path] != b[path] {
            let (record, field) = split(path, root: root)
            byRecord[record, default: []].append(field)
        }
        return byRecord.keys.sorted().map { Mismatch(key: $0, fields: byRecord[$0]!.sorted()) }
    }

    /// Flattens `value` into `path → rendered scalar`.
    static func flatten(_ value: Any, path: String, into out: inout [String: String]) {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            if let child = mirror.children.first { flatten(child.value, path: path, into: &out) } else { out[path] = "null" }
        case .struct, .class:
            if mirror.children.isEmpty { out[path] = "\(value)"; return }
            for child in mirror.children {
                guard let label = child.label else { continue }
                flatten(child.value, path: path.isEmpty ? label : "\(path).\(label)", into: &out)
            }
        case .collection, .set:
            var seen: [String: Int] = [:]
            for (index, element) in mirror.children.enumerated() {
                var key = identity(of: element.value).map { "\($0.field)=\($0.value)" } ?? "#\(index)"
                seen[key, default: 0] += 1
                if seen[key]! > 1 { key += "#\(seen[key]!)" }
                flatten(element.value, path: "\(path)[\(key)]", into: &out)
            }
            out[path + ".count"] = "\(mirror.children.count)"
        case .dictionary:
            for child in mirror.children {
                let pair = Array(Mirror(reflecting: child.value).children)
                guard pair.count == 2 else { continue }
                flatten(pair[1].value, path: "\(path)[\(pair[0].value)]", into: &out)
            }
        default:
            out[path] = "\(value)"
        }
    }

    static func identity(of value: Any) -> (field: String, value: String)? {
        let children = Mirror(reflecting: value).children
        for field in identityFields {
            if let child = children.first(where: { $0.label == field }) {
                var scalar: [String: String] = [:]
                flatten(child.value, path: "", into: &scalar)
                if let rendered = scalar[""] { return (field, rendered) }
            }
        }
        return nil
    }

    /// The identity of the top-level value itself (through optionals), if it is a record.
    static func rootIdentity(_ value: Any) -> (field: String, value: String)? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first else { return nil }
            return rootIdentity(wrapped.value)
        }
        guard mirror.displayStyle == .struct || mirror.displayStyle == .class else { return nil }
        return identity(of: value)
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
