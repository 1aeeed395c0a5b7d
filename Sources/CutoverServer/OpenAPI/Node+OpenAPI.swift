import Yams

/// Builders of the YAML nodes ``OpenAPIDocument`` generates. Scalars are emitted so that a YAML
/// reader reads them back as the type meant: text that would read as a number, a boolean, null or
/// a date (`"200"`, `"true"`, `""`) is quoted; numbers and booleans are plain.
extension Node {
    /// A string scalar, quoted when plain it would read as another type.
    static func text(_ value: String) -> Node {
        let plain = Node(value)
        return Resolver.default.resolveTag(of: plain) == .str ? plain : Node(value, Tag(.str), .doubleQuoted)
    }

    /// An integer scalar.
    static func number(_ value: some BinaryInteger) -> Node {
        Node(String(value), Tag(.int))
    }

    /// A boolean scalar.
    static func boolean(_ value: Bool) -> Node {
        Node(value ? "true" : "false", Tag(.bool))
    }

    /// A mapping of `pairs` in their order; pairs whose value is `nil` are left out. `flow`
    /// writes it on one line (`{a: 1}`).
    static func object(_ pairs: [(String, Node?)], flow: Bool = false) -> Node {
        let kept = pairs.compactMap { key, value in value.map { (Node.text(key), $0) } }
        return Node(kept, .implicit, flow ? .flow : .block)
    }

    /// A sequence of `items`; `flow` writes it on one line (`[a, b]`).
    static func list(_ items: [Node], flow: Bool = false) -> Node {
        Node(items, .implicit, flow ? .flow : .block)
    }

    /// A sequence of text values on one line (`[a, b]`).
    static func texts(_ items: [String]) -> Node {
        list(items.map(Node.text), flow: true)
    }

    /// `{$ref: "#/components/<kind>/<name>"}`.
    static func reference(_ kind: String, _ name: String) -> Node {
        object([("$ref", .text("#/components/\(kind)/\(name)"))], flow: true)
    }

    /// A description: a literal block when it has lines, folded when it is long, else a scalar.
    static func prose(_ text: String) -> Node {
        if text.contains("\n") { return Node(text, Tag(.str), .literal) }
        return text.count > 80 ? Node(text, Tag(.str), .folded) : .text(text)
    }

    /// A description, or `nil` when it is empty (a key left out).
    static func optionalProse(_ text: String) -> Node? {
        text.isEmpty ? nil : .prose(text)
    }
}

extension Node.Mapping {
    /// The mapping under `key`, or an empty one.
    func child(_ key: String) -> Node.Mapping {
        self[key]?.mapping ?? Node.Mapping([])
    }

    /// The keys of the mapping under `key` that are text.
    func childKeys(_ key: String) -> Set<String> {
        Set(child(key).keys.compactMap(\.string))
    }
}
