import CutoverCore
import Testing

@Suite("Feature flags: evaluation, sticky buckets, changes", .timeLimit(.minutes(1)))
struct FlagTests {
    static func reader(_ value: FlagValue, name: String = "customer_reads") -> FeatureFlag {
        FeatureFlag(name: name, kind: .reader, views: [APIView("customers.list"), APIView("customers.detail")], value: value)
    }

    static let killSwitchOff = FeatureFlag(name: FeatureFlag.killSwitchName, kind: .boolean, value: FlagValue(rule: FlagRule(variant: "off")))

    @Test("sticky buckets match fixed vectors (SHA-256 of flag/subject): the hash never silently changes")
    func vectors() {
        // Computed independently: int.from_bytes(sha256(b"<flag>/<subject>")[:4], "big") % 10000
        #expect(StickyBucket.bucket(flag: "customer_reads", subject: "user:1") == 1493)
        #expect(StickyBucket.bucket(flag: "customer_reads", subject: "user:2") == 3624)
        #expect(StickyBucket.bucket(flag: "customer_reads", subject: "token:17") == 4303)
        #expect(StickyBucket.bucket(flag: "sample_feedback_v2", subject: "user:42") == 5261)
        #expect(StickyBucket.bucket(flag: "pipeline_reads", subject: "user:1001") == 1216)
        #expect(StickyBucket.includes(flag: "customer_reads", subject: "user:1", percent: 15))   // 1493 < 1500
        #expect(!StickyBucket.includes(flag: "customer_reads", subject: "user:1", percent: 14))  // 1493 ≥ 1400
    }

    @Test("a percentage rollout reaches about that share of subjects, and a larger one keeps everybody already in")
    func rolloutShare() {
        let subjects = (1...10_000).map { "user:\($0)" }
        let at25 = Set(subjects.filter { StickyBucket.includes(flag: "customer_reads", subject: $0, percent: 25) })
        let at50 = Set(subjects.filter { StickyBucket.includes(flag: "customer_reads", subject: $0, percent: 50) })
        #expect((2_300...2_700).contains(at25.count), "\(at25.count)")
        #expect((4_800...5_200).contains(at50.count), "\(at50.count)")
        #expect(at25.isSubset(of: at50))
    }

    @Test("module overrides beat the default; a partial rule splits by subject; no subject means outside")
    func evaluation() {
        let flag = Self.reader(FlagValue(rule: FlagRule(variant: "legacy"),
                                         modules: ["02": FlagRule(variant: "shadow"), "03": FlagRule(variant: "read_model", percent: 15)]))
        let snapshot = FlagSnapshot(flags: [flag, Self.killSwitchOff])
        #expect(snapshot.evaluate(flag, module: "01", subject: "user:1").variant == "legacy")
        #expect(snapshot.evaluate(flag, module: "01", subject: "user:1").reason == .staticValue)
        let two = snapshot.evaluate(flag, module: "02", subject: nil)
        #expect(two.variant == "shadow" && two.reason == .targetingMatch && two.rule == "module 02")
        let inside = snapshot.evaluate(flag, module: "03", subject: "user:1")    // bucket 1493 < 1500
        let outside = snapshot.evaluate(flag, module: "03", subject: "user:2")   // bucket 3624
        #expect(inside.variant == "read_model" && inside.reason == .split && inside.bucket == 1493)
        #expect(outside.variant == "legacy" && outside.reason == .split)
        #expect(snapshot.evaluate(flag, module: "03", subject: nil).variant == "legacy")
        #expect(snapshot.readerDecision(view: APIView("customers.detail"), module: "02", subject: nil).state == .shadow)
        #expect(snapshot.readerDecision(view: APIView("territories.pipeline"), module: "02", subject: nil) == ReaderDecision(flag: nil, state: .legacy, evaluation: nil))
    }

    @Test("the kill switch sends every reader flag to legacy, whatever its state")
    func killSwitch() {
        let flag = Self.reader(FlagValue(rule: FlagRule(variant: "read_model")))
        let on = FeatureFlag(name: FeatureFlag.killSwitchName, kind: .boolean, value: FlagValue(rule: FlagRule(variant: "on")))
        let snapshot = FlagSnapshot(flags: [flag, on])
        let e = snapshot.evaluate(flag, module: "05", subject: "user:9")
        #expect(e.variant == "legacy" && e.reason == .disabled)
        #expect(snapshot.evaluate(on, module: nil, subject: nil).isOn)
    }

    @Test("changes are validated with errors that list what is valid")
    func changes() throws {
        let flag = Self.reader(FlagValue(rule: FlagRule(variant: "legacy"), modules: ["02": FlagRule(variant: "shadow")]))
        #expect(try FlagChange(variant: "read-model", module: "02").apply(to: flag).modules["02"] == FlagRule(variant: "read_model"))
        #expect(try FlagChange(variant: "inherit", module: "02").apply(to: flag).modules.isEmpty)
        let all = try FlagChange(variant: "read_model", allModules: true).apply(to: flag)
        #expect(all == FlagValue(rule: FlagRule(variant: "read_model")))
        #expect(try FlagChange(variant: "read_model").apply(to: flag).modules["02"] == FlagRule(variant: "shadow"))
        #expect(try FlagChange(variant: "read_model", percent: 30).apply(to: flag).rule == FlagRule(variant: "read_model", percent: 30))

        func message(_ change: FlagChange, _ target: FeatureFlag = flag) -> String {
            do { _ = try change.apply(to: target); return "" } catch { return error.message }
        }
        #expect(message(FlagChange(variant: "on")).contains("valid: legacy, shadow, read_model"))
        #expect(message(FlagChange(variant: "shadow", module: "9")).contains("the modules are 01, 02, 03, 04, 05, 06, 07, 08"))
        #expect(message(FlagChange(variant: "shadow", percent: 101)).contains("0 to 100"))
        #expect(message(FlagChange(variant: "inherit")).contains("valid"))
        #expect(message(FlagChange(variant: "shadow", module: "02", allModules: true)).contains("not both"))
        #expect(message(FlagChange(variant: "on", module: "02"), Self.killSwitchOff).contains("everybody"))
        let boolean = FeatureFlag(name: "sample_feedback_v2", kind: .boolean, value: FlagValue(rule: FlagRule(variant: "off")))
        #expect(try FlagChange(variant: "true").apply(to: boolean).rule.variant == "on")
        #expect(message(FlagChange(variant: "shadow"), boolean).contains("valid: on, off"))
        #expect(throws: CoreError.self) { try FlagSnapshot(flags: [flag]).flag("nope") }
    }
}

@Suite("Shadow diff", .timeLimit(.minutes(1)))
struct ShadowDiffTests {
    static func item(_ id: Int64, name: String = "Gasthof", chef: String? = "Anna Koch") -> JSONValue {
        var fields: [String: JSONValue] = ["id": .integer(id), "name": .string(name), "revenue": .string("10.00"), "contactsMasked": .bool(false)]
        if let chef { fields["primaryChef"] = .string(chef) }
        return .object(fields)
    }

    static func page(_ items: [JSONValue], next: String? = nil) -> JSONValue {
        var fields: [String: JSONValue] = ["items": .array(items)]
        if let next { fields["nextCursor"] = .string(next) }
        return .object(fields)
    }

    @Test("equal answers give no mismatch; a changed field names the record and the field")
    func fields() {
        let a = Self.page([Self.item(1), Self.item(2)], next: "x")
        #expect(ShadowDiff.compare(legacy: a, readModel: a, identity: ["id"]).isEmpty)
        let b = Self.page([Self.item(1), Self.item(2, name: "Gasthof Alt", chef: nil)], next: "x")
        #expect(ShadowDiff.compare(legacy: a, readModel: b, identity: ["id"]) == [ShadowDiff.Mismatch(key: "items[id=2]", fields: ["name", "primaryChef"])])
    }

    @Test("a missing row is reported as that row, not as every row after it")
    func missingRow() {
        let a = Self.page([Self.item(1), Self.item(2), Self.item(3)])
        let b = Self.page([Self.item(1), Self.item(3)])
        let diff = ShadowDiff.compare(legacy: a, readModel: b, identity: ["id"])
        #expect(diff.map(\.key) == ["(root)", "items[id=2]"])
        #expect(diff.first?.fields == ["items.count"])
    }

    @Test("a single record (a customer's detail) is keyed by its identity, not (root)")
    func singleRecordKey() {
        #expect(ShadowDiff.compare(legacy: Self.item(42), readModel: Self.item(42, name: "Gasthof Neu"), identity: ["id"])
                == [ShadowDiff.Mismatch(key: "id=42", fields: ["name"])])
        #expect(ShadowDiff.compare(legacy: Self.item(42), readModel: nil, identity: ["id"]).map(\.key) == ["id=42"])
    }

    @Test("no answer against an answer differs; null and absent are the same; compound identities")
    func optionals() {
        #expect(!ShadowDiff.compare(legacy: Self.item(1), readModel: nil, identity: ["id"]).isEmpty)
        #expect(ShadowDiff.compare(legacy: nil, readModel: nil, identity: ["id"]).isEmpty)
        let withNull = JSONValue.object(["id": .integer(1), "name": .string("Gasthof"), "revenue": .string("10.00"), "contactsMasked": .bool(false),
                                         "primaryChef": .string("Anna Koch"), "city": .null])
        #expect(ShadowDiff.compare(legacy: Self.item(1), readModel: withNull, identity: ["id"]).isEmpty)
        let a = JSONValue.array([.object(["territory": .string("DE-BY"), "segment": .string("HOTEL"), "n": .integer(1)])])
        let b = JSONValue.array([.object(["territory": .string("DE-BY"), "segment": .string("HOTEL"), "n": .integer(2)])])
        #expect(ShadowDiff.compare(legacy: a, readModel: b, identity: ["territory", "segment"]).map(\.key) == ["[territory=DE-BY,segment=HOTEL]"])
    }
}

@Suite("Automatic rollback policy", .timeLimit(.minutes(1)))
struct AutoRollbackPolicyTests {
    let thresholds = AutoRollbackThresholds(windowSeconds: 60, p95Milliseconds: 200, maxErrorRate: 0.05, maxMismatchRate: 0.01, minRequests: 20, minComparisons: 20)

    func window(_ latencies: [Double], failed: Int = 0, at now: Double = 1_000) -> ReadHealthWindow {
        var w = ReadHealthWindow(windowSeconds: 60)
        for (i, ms) in latencies.enumerated() { w.recordRead(at: now - 1, milliseconds: ms, failed: i < failed) }
        return w
    }

    @Test("a healthy read model does not roll back; a slow one does when legacy was faster, with both p95 in the reason")
    func latency() throws {
        let healthy = window(Array(repeating: 4, count: 100)).stats(now: 1_000)
        #expect(AutoRollbackPolicy.breach(healthy, state: .readModel, thresholds: thresholds) == nil)
        var slow = window(Array(repeating: 4, count: 90) + Array(repeating: 450, count: 10)).stats(now: 1_000)
        slow.legacyReads = 40
        slow.legacyP95Milliseconds = 120
        #expect(slow.p95Milliseconds == 450)
        let breach = try #require(AutoRollbackPolicy.breach(slow, state: .readModel, thresholds: thresholds))
        #expect(breach.trigger == .latency)
        #expect(breach.reason == "read-model p95 450 ms > 200 ms and > legacy p95 120 ms over 60 s (100 read-model reads, 40 legacy reads)")
        #expect(AutoRollbackPolicy.breach(slow, state: .legacy, thresholds: thresholds) == nil)
        let few = window(Array(repeating: 900, count: 5)).stats(now: 1_000)
        #expect(AutoRollbackPolicy.breach(few, state: .readModel, thresholds: thresholds) == nil)
        var off = thresholds
        off.enabled = false
        #expect(AutoRollbackPolicy.breach(slow, state: .readModel, thresholds: off) == nil)
    }

    @Test("overload: both paths slow, or legacy not measured, is no latency rollback; errors still roll back")
    func saturatedLegacyIsNoRollback() {
        var saturated = window(Array(repeating: 506, count: 100)).stats(now: 1_000)
        saturated.legacyReads = 30
        saturated.legacyP95Milliseconds = 137_000
        #expect(AutoRollbackPolicy.breach(saturated, state: .readModel, thresholds: thresholds) == nil)
        var unmeasured = saturated
        unmeasured.legacyReads = 3
        unmeasured.legacyP95Milliseconds = 10
        #expect(AutoRollbackPolicy.breach(unmeasured, state: .readModel, thresholds: thresholds) == nil)
        var failing = window(Array(repeating: 506, count: 40), failed: 10).stats(now: 1_000)
        failing.legacyP95Milliseconds = 137_000
        #expect(AutoRollbackPolicy.breach(failing, state: .readModel, thresholds: thresholds)?.trigger == .errors)
    }

    @Test("errors and shadow mismatches roll back above their rates; old measurements leave the window")
    func errorsAndMismatches() {
        let failing = window(Array(repeating: 4, count: 40), failed: 3).stats(now: 1_000)
        #expect(AutoRollbackPolicy.breach(failing, state: .readModel, thresholds: thresholds)?.trigger == .errors)
        var w = ReadHealthWindow(windowSeconds: 60)
        for i in 0..<50 { w.recordComparison(at: 990, mismatch: i < 2) }
        #expect(AutoRollbackPolicy.breach(w.stats(now: 1_000), state: .shadow, thresholds: thresholds)?.trigger == .mismatches)
        #expect(AutoRollbackPolicy.breach(w.stats(now: 1_000), state: .readModel, thresholds: thresholds) == nil)
        w.trim(now: 1_100)
        #expect(w.stats(now: 1_100).comparisons == 0)
    }
}

@Suite("Contract guards", .timeLimit(.minutes(1)))
struct ContractGuardTests {
    @Test("every form parses and reads back; malformed guards list the forms")
    func parsing() throws {
        #expect(try ContractGuard(parsing: "flag customer_reads = read_model for all modules") == .flagState(flag: "customer_reads", state: .readModel))
        #expect(try ContractGuard(parsing: "flag customer_reads stable for 24 h") == .flagStable(flag: "customer_reads", seconds: 86_400))
        #expect(try ContractGuard(parsing: "verify customer_overview clean within 1d") == .verifyClean(projection: "customer_overview", seconds: 86_400))
        #expect(try ContractGuard(parsing: "no legacy reads of customer_reads for 30m") == .noLegacyReads(flag: "customer_reads", seconds: 1_800))
        #expect(try ContractGuard(parsing: "Outside blackout") == .outsideBlackout)
        #expect(try ContractGuard(parsing: "flag customer_reads stable for 90s").text == "flag customer_reads stable for 90s")
        for bad in ["flag customer_reads = maybe for all modules", "verify clean", "flag x stable for 3w", "no legacy reads"] {
            #expect(throws: CoreError.self, "\(bad)") { try ContractGuard(parsing: bad) }
        }
        do { _ = try ContractGuard(parsing: "verify clean"); Issue.record("parsed") } catch {
            #expect(error.code == .malformedGuard)
            #expect(error.message.contains("outside blackout"))
        }
    }

    @Test("guards check flags for every module, stability, verify runs, legacy reads and blackouts")
    func checking() throws {
        var flag = FeatureFlag(name: "customer_reads", kind: .reader, views: [APIView("customers.list")], value: FlagValue(rule: FlagRule(variant: "read_model"), modules: ["04": FlagRule(variant: "legacy")]),
                               version: 5, updatedAt: 10_000, updatedBy: "ops")
        var facts = GuardFacts(now: 10_000 + 3_600, flags: FlagSnapshot(flags: [flag]))
        let state = try ContractGuard(parsing: "flag customer_reads = read_model for all modules")
        #expect(!state.check(facts).met)
        #expect(state.check(facts).detail == "not yet: 04=legacy")
        flag.value.modules = [:]
        facts.flags = FlagSnapshot(flags: [flag])
        #expect(state.check(facts).met)
        let stable = try ContractGuard(parsing: "flag customer_reads stable for 2h")
        #expect(!stable.check(facts).met)
        #expect(stable.check(facts).detail.contains("stable in 1h 0m"))
        facts.now += 3_600
        #expect(stable.check(facts).met)
        let verify = try ContractGuard(parsing: "verify customer_overview clean within 24h")
        #expect(!verify.check(facts).met)
        facts.lastFullVerify["customer_overview"] = GuardFacts.VerifyRun(finishedAt: facts.now - 60, clean: true, drift: 0)
        #expect(verify.check(facts).met)
        let reads = try ContractGuard(parsing: "no legacy reads of customer_reads for 1h")
        facts.legacyReads[ContractGuard.legacyKey(flag: "customer_reads", seconds: 3_600)] = 3
        #expect(!reads.check(facts).met)
        facts.legacyReads = [:]
        #expect(reads.check(facts).met)
        facts.activeBlackout = "Christmas catering"
        #expect(ContractGuard.outsideBlackout.check(facts).detail == "inside blackout \"Christmas catering\"")
    }
}
