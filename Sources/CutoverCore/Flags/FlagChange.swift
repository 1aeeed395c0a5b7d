/// A requested change to a flag (`cutover flags set`, `PUT /admin/flags/{name}`), validated
/// against the flag before anything is written.
public struct FlagChange: Sendable, Equatable {
    /// A variant of the flag's kind, or `inherit` to drop a module's override.
    public var variant: String
    /// Change only this module's rule.
    public var module: String?
    /// Set the default and drop every module override.
    public var allModules: Bool
    /// Roll out to this share of subjects (default 100).
    public var percent: Int?

    /// The pseudo-variant that removes a module override.
    public static let inherit = "inherit"

    public init(variant: String, module: String? = nil, allModules: Bool = false, percent: Int? = nil) {
        self.variant = variant
        self.module = module
        self.allModules = allModules
        self.percent = percent
    }

    /// The flag's new value, or an error naming what is valid.
    public func apply(to flag: FeatureFlag) throws(CoreError) -> FlagValue {
        var variant = variant
        if flag.kind == .reader, let state = ReaderState(lenient: variant) { variant = state.rawValue }
        if flag.kind == .boolean { variant = ["true": "on", "false": "off"][variant] ?? variant }
        let valid = flag.kind.variants
        guard valid.contains(variant) || (variant == Self.inherit && module != nil) else {
            let extra = module != nil ? " or \(Self.inherit) (drop the module's override)" : ""
            throw CoreError(.invalidFlagChange, "\"\(self.variant)\" is not a state of \(flag.kind.rawValue) flag \(flag.name); valid: \(valid.joined(separator: ", "))\(extra)",
                            context: ["flag": flag.name, "state": self.variant])
        }
        if let module, !BusinessModule.codes.contains(module) {
            throw CoreError(.invalidFlagChange, "unknown module \"\(module)\"; the modules are \(BusinessModule.codes.joined(separator: ", "))",
                            context: ["flag": flag.name, "module": module])
        }
        if module != nil, allModules {
            throw CoreError(.invalidFlagChange, "give either a module or all modules, not both", context: ["flag": flag.name])
        }
        if let percent, !(0...100).contains(percent) {
            throw CoreError(.invalidFlagChange, "the percentage must be a whole number from 0 to 100, got \(percent)",
                            context: ["flag": flag.name, "percent": "\(percent)"])
        }
        if variant == Self.inherit, percent != nil {
            throw CoreError(.invalidFlagChange, "\(Self.inherit) drops the override; it takes no percentage", context: ["flag": flag.name])
        }
        if flag.name == FeatureFlag.killSwitchName, module != nil || (percent ?? 100) != 100 {
            throw CoreError(.invalidFlagChange, "the kill switch is on or off for everybody: no module, no percentage", context: ["flag": flag.name])
        }
        var value = flag.value
        let rule = FlagRule(variant: variant, percent: percent ?? 100)
        if let module {
            if variant == Self.inherit { value.modules[module] = nil } else { value.modules[module] = rule }
        } else {
            value.rule = rule
            if allModules { value.modules = [:] }
        }
        return value
    }
}
