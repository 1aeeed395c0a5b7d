import CutoverCore
import CutoverPostgres
import Foundation

/// A flag as the admin endpoints show it: its rules, and what each module gets now.
public struct FlagDocument: Codable, Sendable, Equatable {
    public struct Rule: Codable, Sendable, Equatable {
        public var state: String
        public var percent: Int
    }

    public var name: String
    public var kind: String
    public var views: [String]
    public var description: String
    public var rule: Rule
    public var modules: [String: Rule]
    /// What each module 01–08 gets (for subjects inside any percentage), the kill switch included.
    public var effective: [String: String]
    public var summary: String
    public var version: Int64
    public var updatedAt: String
    public var updatedBy: String

    public init(_ flag: FeatureFlag, in snapshot: FlagSnapshot) {
        name = flag.name
        kind = flag.kind.rawValue
        views = flag.views.map(\.rawValue)
        description = flag.description
        rule = Rule(state: flag.value.rule.variant, percent: flag.value.rule.percent)
        modules = flag.value.modules.mapValues { Rule(state: $0.variant, percent: $0.percent) }
        var effective: [String: String] = [:]
        for module in BusinessModule.codes {
            let r = flag.value.modules[module] ?? flag.value.rule
            let e = snapshot.evaluate(flag, module: module, subject: nil)
            effective[module] = e.reason == .disabled ? "\(e.variant) (kill switch)" : (r.percent == 100 ? r.variant : "\(r.variant) \(r.percent)%")
        }
        self.effective = effective
        summary = flag.value.summary
        version = flag.version
        updatedAt = flag.updatedAtText
        updatedBy = flag.updatedBy
    }
}

/// The answer to a change or rollback.
public struct FlagChangeResponse: Codable, Sendable {
    public var changed: Bool
    public var auditId: Int64?
    public var before: String
    public var after: FlagDocument
}
