/// Every flag at one moment, evaluated in process (no database call per request).
public struct FlagSnapshot: Sendable, Equatable {
    public let flags: [String: FeatureFlag]
    /// The reader flag deciding each view, worked out once per snapshot rather than per read.
    let readerFlagNames: [APIView: String]

    public init(flags: [FeatureFlag]) {
        self.flags = Dictionary(flags.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var byView: [APIView: String] = [:]
        for flag in flags.sorted(by: { $0.name > $1.name }) where flag.kind == .reader {
            for view in flag.views { byView[view] = flag.name }  // the alphabetically first flag wins
        }
        readerFlagNames = byView
    }

    /// Names, sorted.
    public var names: [String] { flags.keys.sorted() }

    /// The flag named `name`, or an error listing the flags that exist.
    public func flag(_ name: String) throws(CoreError) -> FeatureFlag {
        guard let flag = flags[name] else {
            throw CoreError(.unknownFlag, "unknown flag \"\(name)\"; the flags are: \(names.joined(separator: ", "))", context: ["flag": name])
        }
        return flag
    }

    /// The reader flag that decides `view`, if any.
    public func readerFlag(for view: APIView) -> FeatureFlag? {
        readerFlagNames[view].flatMap { flags[$0] }
    }

    /// Whether the kill switch is on (for everybody: it has no percentage semantics per module).
    public var killSwitchOn: Bool {
        guard let flag = flags[FeatureFlag.killSwitchName], flag.kind == .boolean else { return false }
        return flag.value.rule.variant == "on" && flag.value.rule.percent > 0
    }

    /// Evaluates `flag` for a caller in `module` (nil: no module) identified by `subject`.
    public func evaluate(_ flag: FeatureFlag, module: String?, subject: String?) -> FlagEvaluation {
        if flag.kind == .reader, killSwitchOn {
            return FlagEvaluation(flag: flag.name, kind: flag.kind, variant: ReaderState.legacy.rawValue, reason: .disabled,
                                  rule: "kill switch \(FeatureFlag.killSwitchName)")
        }
        let override = module.flatMap { flag.value.modules[$0] }
        let rule = override ?? flag.value.rule
        let ruleName = override != nil ? "module \(module!)" : "default"
        let base: FlagEvaluation.Reason = override != nil ? .targetingMatch : .staticValue
        if rule.percent >= 100 {
            return FlagEvaluation(flag: flag.name, kind: flag.kind, variant: rule.variant, reason: base, rule: ruleName)
        }
        guard let subject, !subject.isEmpty, rule.percent > 0 else {
            // No subject to hash: outside any partial rollout.
            return FlagEvaluation(flag: flag.name, kind: flag.kind, variant: flag.kind.offVariant, reason: rule.percent > 0 ? .defaultValue : base,
                                  rule: ruleName)
        }
        let bucket = StickyBucket.bucket(flag: flag.name, subject: subject)
        let variant = bucket < rule.percent * 100 ? rule.variant : flag.kind.offVariant
        return FlagEvaluation(flag: flag.name, kind: flag.kind, variant: variant, reason: .split, rule: ruleName, bucket: bucket)
    }

    /// The reader state for `module` reading `view`. A view without a reader flag is served by the
    /// legacy path (the safe side) and says so in the decision.
    public func readerDecision(view: APIView, module: String, subject: String?) -> ReaderDecision {
        guard let flag = readerFlag(for: view) else {
            return ReaderDecision(flag: nil, state: .legacy, evaluation: nil)
        }
        let evaluation = evaluate(flag, module: module, subject: subject)
        return ReaderDecision(flag: flag.name, state: ReaderState(rawValue: evaluation.variant) ?? .legacy, evaluation: evaluation)
    }
}

/// The outcome of evaluating a flag, with the reasons OpenFeature knows.
public struct FlagEvaluation: Sendable, Equatable {
    /// OpenFeature's resolution reasons.
    public enum Reason: String, Sendable {
        case staticValue = "STATIC"
        case targetingMatch = "TARGETING_MATCH"
        case split = "SPLIT"
        case disabled = "DISABLED"
        case defaultValue = "DEFAULT"
    }

    public var flag: String
    public var kind: FlagKind
    public var variant: String
    public var reason: Reason
    /// Which rule decided: "default", "module 02" or the kill switch.
    public var rule: String
    /// The subject's bucket when a percentage decided.
    public var bucket: Int?

    public init(flag: String, kind: FlagKind, variant: String, reason: Reason, rule: String, bucket: Int? = nil) {
        self.flag = flag
        self.kind = kind
        self.variant = variant
        self.reason = reason
        self.rule = rule
        self.bucket = bucket
    }

    /// A boolean flag's value.
    public var isOn: Bool { variant == "on" }
}

/// Which source serves a read, and why.
public struct ReaderDecision: Sendable, Equatable {
    /// The deciding flag; nil when no reader flag covers the view.
    public var flag: String?
    public var state: ReaderState
    public var evaluation: FlagEvaluation?
    /// Set when another source than the state's answered (read-your-writes fell back to legacy).
    public var servedBy: ReadSource?

    public init(flag: String?, state: ReaderState, evaluation: FlagEvaluation?) {
        self.flag = flag
        self.state = state
        self.evaluation = evaluation
    }

    /// The source that answers the read.
    public var servingSource: ReadSource { servedBy ?? state.servingSource }
}
