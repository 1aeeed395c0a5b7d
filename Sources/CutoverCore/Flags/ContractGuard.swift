/// A precondition a contract-phase migration declares in its header (`-- guard: …`). The
/// migrator refuses the file until every guard holds and prints each with its state.
///
/// Forms (one per line, case-insensitive; durations `30s`, `15m`, `24h`, `7d`):
/// - `flag customer_reads = read_model for all modules`
/// - `flag customer_reads stable for 24h` (no change for that long)
/// - `verify customer_overview clean within 24h` (the last full `cutover verify` was clean and recent)
/// - `no legacy reads of customer_reads for 24h` (no read served by the legacy path of the flag's views)
/// - `outside blackout` (no blackout period restricts contract migrations now)
public enum ContractGuard: Sendable, Equatable {
    case flagState(flag: String, state: ReaderState)
    case flagStable(flag: String, seconds: Int)
    case verifyClean(projection: String, seconds: Int)
    case noLegacyReads(flag: String, seconds: Int)
    case outsideBlackout

    static let forms = [
        "flag <name> = <legacy|shadow|read_model> for all modules", "flag <name> stable for <duration>",
        "verify <projection> clean within <duration>", "no legacy reads of <flag> for <duration>", "outside blackout",
    ]

    /// Parses one guard line (the text after `-- guard:`).
    public init(parsing line: String) throws(CoreError) {
        let words = line.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        func fail() -> CoreError {
            CoreError(.malformedGuard, "cannot read guard \"\(line)\"; a guard is one of: \(Self.forms.joined(separator: "; ")) (durations like 30s, 15m, 24h, 7d)",
                      context: ["guard": line])
        }
        func duration(_ text: String) throws(CoreError) -> Int {
            guard let unit = text.last, let n = Int(text.dropLast()), n > 0 else { throw fail() }
            switch unit {
            case "s": return n
            case "m": return n * 60
            case "h": return n * 3_600
            case "d": return n * 86_400
            default: throw fail()
            }
        }
        // "24 h" is accepted as "24h".
        var w = words
        if w.count >= 2, let last = w.last, ["s", "m", "h", "d"].contains(last), Int(w[w.count - 2]) != nil {
            w[w.count - 2] += last
            w.removeLast()
        }
        switch w.first {
        case "flag" where w.count == 7 && w[2] == "=" && w[4] == "for" && w[5] == "all" && w[6] == "modules":
            guard let state = ReaderState(lenient: w[3]) else { throw fail() }
            self = .flagState(flag: w[1], state: state)
        case "flag" where w.count == 5 && w[2] == "stable" && w[3] == "for":
            self = .flagStable(flag: w[1], seconds: try duration(w[4]))
        case "verify" where w.count == 5 && w[2] == "clean" && w[3] == "within":
            self = .verifyClean(projection: w[1], seconds: try duration(w[4]))
        case "no" where w.count == 7 && w[1] == "legacy" && w[2] == "reads" && w[3] == "of" && w[5] == "for":
            self = .noLegacyReads(flag: w[4], seconds: try duration(w[6]))
        case "outside" where w == ["outside", "blackout"]:
            self = .outsideBlackout
        default:
            throw fail()
        }
    }

    /// How the guard reads back.
    public var text: String {
        switch self {
        case .flagState(let flag, let state): "flag \(flag) = \(state.rawValue) for all modules"
        case .flagStable(let flag, let seconds): "flag \(flag) stable for \(Self.duration(seconds))"
        case .verifyClean(let projection, let seconds): "verify \(projection) clean within \(Self.duration(seconds))"
        case .noLegacyReads(let flag, let seconds): "no legacy reads of \(flag) for \(Self.duration(seconds))"
        case .outsideBlackout: "outside blackout"
        }
    }

    static func duration(_ seconds: Int) -> String {
        if seconds % 86_400 == 0, seconds > 7 * 86_400 { return "\(seconds / 86_400)d" }
        if seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// Whether the guard holds on `facts`, with what was found.
    public func check(_ facts: GuardFacts) -> GuardResult {
        switch self {
        case .flagState(let name, let state):
            guard let flag = facts.flags.flags[name] else { return result(false, "no flag \(name)") }
            let off = BusinessModule.codes.compactMap { module -> String? in
                let e = facts.flags.evaluate(flag, module: module, subject: nil)
                let rule = flag.value.modules[module] ?? flag.value.rule
                guard e.variant == state.rawValue, e.reason != .disabled, rule.percent == 100 || state == .legacy else {
                    return "\(module)=\(e.variant)\(rule.percent < 100 ? " \(rule.percent)%" : "")\(e.reason == .disabled ? " (kill switch)" : "")"
                }
                return nil
            }
            return off.isEmpty ? result(true, "all \(BusinessModule.codes.count) modules \(state.rawValue)") : result(false, "not yet: " + off.joined(separator: ", "))
        case .flagStable(let name, let seconds):
            guard let flag = facts.flags.flags[name] else { return result(false, "no flag \(name)") }
            let age = facts.now - flag.updatedAt
            let text = "last changed \(Self.ago(age)) ago (version \(flag.version), by \(flag.updatedBy))"
            return result(age >= Double(seconds), age >= Double(seconds) ? text : text + "; stable in \(Self.ago(Double(seconds) - age))")
        case .verifyClean(let projection, let seconds):
            guard let run = facts.lastFullVerify[projection] else { return result(false, "no full `cutover verify \(projection)` recorded") }
            let age = facts.now - run.finishedAt
            let text = "last full verify \(Self.ago(age)) ago: \(run.clean ? "clean" : "DRIFT (\(run.drift) rows)")"
            return result(run.clean && age <= Double(seconds), age <= Double(seconds) ? text : text + "; older than \(Self.duration(seconds))")
        case .noLegacyReads(let flag, let seconds):
            guard facts.flags.flags[flag] != nil else { return result(false, "no flag \(flag)") }
            let n = facts.legacyReads[Self.legacyKey(flag: flag, seconds: seconds)] ?? 0
            return result(n == 0, "\(n) legacy reads in the last \(Self.duration(seconds))")
        case .outsideBlackout:
            guard let period = facts.activeBlackout else { return result(true, "no blackout period now") }
            return result(false, "inside blackout \"\(period)\"")
        }
    }

    func result(_ met: Bool, _ detail: String) -> GuardResult { GuardResult(guardText: text, met: met, detail: detail) }

    /// The key of ``GuardFacts/legacyReads`` for a `no legacy reads` guard.
    public static func legacyKey(flag: String, seconds: Int) -> String { "\(flag)/\(seconds)" }

    static func ago(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s >= 86_400 { return "\(s / 86_400)d \(s % 86_400 / 3_600)h" }
        if s >= 3_600 { return "\(s / 3_600)h \(s % 3_600 / 60)m" }
        if s >= 60 { return "\(s / 60)m \(s % 60)s" }
        return "\(s)s"
    }
}

/// What the guards are checked against, gathered by the database adapter.
public struct GuardFacts: Sendable {
    /// The last full verification of a projection.
    public struct VerifyRun: Sendable, Equatable {
        public var finishedAt: Double
        public var clean: Bool
        public var drift: Int64

        public init(finishedAt: Double, clean: Bool, drift: Int64) {
            self.finishedAt = finishedAt
            self.clean = clean
            self.drift = drift
        }
    }

    /// Unix seconds.
    public var now: Double
    public var flags: FlagSnapshot
    public var lastFullVerify: [String: VerifyRun]
    /// Legacy reads per ``ContractGuard/legacyKey(flag:seconds:)``.
    public var legacyReads: [String: Int64]
    /// The blackout period that restricts contract migrations now, if any.
    public var activeBlackout: String?

    public init(now: Double, flags: FlagSnapshot, lastFullVerify: [String: VerifyRun] = [:], legacyReads: [String: Int64] = [:],
                activeBlackout: String? = nil) {
        self.now = now
        self.flags = flags
        self.lastFullVerify = lastFullVerify
        self.legacyReads = legacyReads
        self.activeBlackout = activeBlackout
    }
}

/// One guard's state.
public struct GuardResult: Sendable, Equatable {
    public var guardText: String
    public var met: Bool
    public var detail: String
}
