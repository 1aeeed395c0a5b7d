/// A feature flag as stored in `cutover.flags`.
///
/// Two kinds exist. A **reader** flag moves the readers of one or more read-API views between
/// `legacy`, `shadow` and `read_model`; a **boolean** flag is on or off. Both have a default rule
/// and per-module overrides, and every rule may roll out to a percentage of subjects (sticky on the
/// subject, see ``StickyBucket``). Subjects outside the percentage get the kind's off variant
/// (`legacy` or `off`).
public struct FeatureFlag: Sendable, Equatable {
    public var name: String
    public var kind: FlagKind
    /// The read-API views a reader flag decides (empty for boolean flags).
    public var views: [APIView]
    public var description: String
    public var value: FlagValue
    /// Incremented by every change; the audit row of a change carries the same number.
    public var version: Int64
    /// Unix seconds of the last change.
    public var updatedAt: Double
    public var updatedBy: String

    public init(name: String, kind: FlagKind, views: [APIView] = [], description: String = "", value: FlagValue,
                version: Int64 = 1, updatedAt: Double = 0, updatedBy: String = "") {
        self.name = name
        self.kind = kind
        self.views = views
        self.description = description
        self.value = value
        self.version = version
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }

    /// The reserved boolean flag that sends every reader flag back to `legacy` while it is on.
    public static let killSwitchName = "reads_kill_switch"
}

/// What a flag decides.
public enum FlagKind: String, Sendable, Codable, CaseIterable {
    /// Variants `legacy`, `shadow`, `read_model`.
    case reader
    /// Variants `on`, `off`.
    case boolean

    /// Every variant a rule of this kind may name.
    public var variants: [String] {
        switch self {
        case .reader: ReaderState.allCases.map(\.rawValue)
        case .boolean: ["on", "off"]
        }
    }

    /// The variant subjects get when they fall outside a rule's percentage.
    public var offVariant: String {
        switch self {
        case .reader: ReaderState.legacy.rawValue
        case .boolean: "off"
        }
    }
}

/// The state of a reader flag.
public enum ReaderState: String, Sendable, Codable, CaseIterable {
    /// Serve the legacy queries.
    case legacy
    /// Serve the legacy queries and compare the read model's answer in the background.
    case shadow
    /// Serve the read model.
    case readModel = "read_model"

    /// The source that serves the response in this state.
    public var servingSource: ReadSource { self == .readModel ? .readModel : .legacy }

    /// Accepts `read-model` (the API's spelling of the source) as well as `read_model`.
    public init?(lenient text: String) {
        self.init(rawValue: text == "read-model" ? "read_model" : text)
    }
}

/// One rule: a variant, given to `percent` % of subjects.
public struct FlagRule: Sendable, Equatable, Codable {
    public var variant: String
    /// 0…100; 100 means everybody, no subject needed.
    public var percent: Int

    public init(variant: String, percent: Int = 100) {
        self.variant = variant
        self.percent = percent
    }
}

/// The stored value of a flag: the default rule and per-module overrides.
public struct FlagValue: Sendable, Equatable, Codable {
    public var rule: FlagRule
    /// Module code ("01" … "08") → rule.
    public var modules: [String: FlagRule]

    public init(rule: FlagRule, modules: [String: FlagRule] = [:]) {
        self.rule = rule
        self.modules = modules
    }

    /// One line for people: `legacy; 02=shadow, 03=read_model 25%`.
    public var summary: String {
        func text(_ r: FlagRule) -> String { r.percent == 100 ? r.variant : "\(r.variant) \(r.percent)%" }
        let overrides = modules.keys.sorted().map { "\($0)=\(text(modules[$0]!))" }
        return overrides.isEmpty ? text(rule) : text(rule) + "; " + overrides.joined(separator: ", ")
    }
}

/// The business modules of the CRM that call the read API.
public enum BusinessModule {
    /// "01" … "08".
    public static let codes: [String] = (1...8).map { $0 < 10 ? "0\($0)" : "\($0)" }
}

/// The subjects of sticky percentage rollouts, as the read API forms them: `user:<crm user id>`
/// for tokens acting for a CRM user, else `token:<token id>` (positive canonical ids).
public enum FlagSubject {
    /// Whether `subject` has one of the two forms.
    public static func isValid(_ subject: some StringProtocol) -> Bool {
        for scheme in ["user:", "token:"] where subject.hasPrefix(scheme) {
            return RequestParameters.positiveID(subject.dropFirst(scheme.count)) != nil
        }
        return false
    }

    /// `subject`, or an ``CoreError/Code/invalidArgument`` error saying what a subject looks like.
    public static func validated(_ subject: String) throws(CoreError) -> String {
        guard isValid(subject) else {
            throw CoreError(.invalidArgument, "\"\(subject)\" is not a subject; subjects are user:<crm user id> or token:<token id>, such as user:7",
                            context: ["parameter": "subject"])
        }
        return subject
    }
}
