/// A flag to create (`cutover flags create`), checked against the flags that exist: a valid name
/// not taken yet; a reader flag names at least one known view and no view another reader flag
/// already decides; a boolean flag names none. A new flag starts on its kind's off variant
/// (`legacy`, `off`): nothing moves until somebody decides.
public struct NewFlag: Sendable, Equatable {
    public var name: String
    public var kind: FlagKind
    public var views: [APIView]
    public var description: String

    /// Parses and checks the command's input; `views` are view names as users type them, each
    /// one of the `declared` views (`projections/*/views/*.yaml`).
    public init(name: String, kind: String, views: [String], description: String, existing: [FeatureFlag],
                declared: [APIView]) throws(CoreError) {
        guard Self.isValidName(name) else {
            throw CoreError(.invalidFlagChange, "flag name \"\(name)\" must start with a lowercase letter and have 2–63 of a–z, 0–9 and _")
        }
        guard let kind = FlagKind(rawValue: kind) else {
            throw CoreError(.invalidFlagChange, "--kind must be reader or boolean, not \(kind)")
        }
        if let taken = existing.first(where: { $0.name == name }) {
            throw CoreError(.invalidFlagChange, "flag \(name) exists already (\(taken.kind.rawValue), \(taken.value.summary)); nothing changed",
                            context: ["flag": name])
        }
        var parsed: [APIView] = []
        for text in views {
            let view = APIView(text)
            guard declared.contains(view) else {
                let known = declared.map(\.rawValue).sorted()
                let hint = EditDistance.closest(to: text, among: known).map { "did you mean \($0)? " } ?? ""
                throw CoreError(.invalidFlagChange, "unknown view \(text); \(hint)the views are: \(known.joined(separator: ", "))", context: ["view": text])
            }
            if !parsed.contains(view) { parsed.append(view) }
        }
        switch kind {
        case .reader:
            guard !parsed.isEmpty else { throw CoreError(.invalidFlagChange, "a reader flag needs --views (the read-API views it switches)") }
            for view in parsed {
                if let other = existing.first(where: { $0.kind == .reader && $0.views.contains(view) }) {
                    throw CoreError(.invalidFlagChange, "view \(view.rawValue) is switched by flag \(other.name) already; a view has one reader flag",
                                    context: ["view": view.rawValue, "flag": other.name])
                }
            }
        case .boolean:
            guard parsed.isEmpty else { throw CoreError(.invalidFlagChange, "a boolean flag switches no view; drop --views") }
        }
        self.name = name
        self.kind = kind
        self.views = parsed
        self.description = description
    }

    /// The value a new flag starts with.
    public var initialValue: FlagValue { FlagValue(rule: FlagRule(variant: kind.offVariant)) }

    static func isValidName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard (2...63).contains(scalars.count), let first = scalars.first, ("a"..."z").contains(first) else { return false }
        return scalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
