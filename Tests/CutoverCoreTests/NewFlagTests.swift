import CutoverCore
import Testing

@Suite("A new flag is checked against the flags that exist")
struct NewFlagTests {
    static let declared = ["customers.list", "customers.detail", "territories.pipeline", "samples.followups"].map(APIView.init(rawValue:))
    let existing = [
        FeatureFlag(name: "customer_reads", kind: .reader, views: [APIView("customers.list"), APIView("customers.detail")], value: FlagValue(rule: FlagRule(variant: "legacy"))),
        FeatureFlag(name: "reads_kill_switch", kind: .boolean, value: FlagValue(rule: FlagRule(variant: "off"))),
    ]

    func message(_ name: String, _ kind: String, _ views: [String] = []) -> String {
        do {
            _ = try NewFlag(name: name, kind: kind, views: views, description: "", existing: existing, declared: Self.declared)
            return ""
        } catch {
            return error.message
        }
    }

    @Test("a reader flag for free views starts on legacy, a boolean flag on off")
    func valid() throws {
        let reader = try NewFlag(name: "pipeline_reads", kind: "reader", views: ["territories.pipeline", "territories.pipeline"], description: "d", existing: existing, declared: Self.declared)
        #expect(reader.views == [APIView("territories.pipeline")] && reader.initialValue == FlagValue(rule: FlagRule(variant: "legacy")))
        let boolean = try NewFlag(name: "new_checkout", kind: "boolean", views: [], description: "", existing: existing, declared: Self.declared)
        #expect(boolean.initialValue.rule.variant == "off")
    }

    @Test("bad names, taken names, unknown and taken views, views on a boolean flag and a reader flag without views are refused")
    func refused() {
        #expect(message("Pipeline", "reader", ["territories.pipeline"]).contains("must start with a lowercase letter"))
        #expect(message("x", "boolean").contains("must start with a lowercase letter"))
        #expect(message("pipeline_reads", "toggle").contains("--kind must be reader or boolean"))
        #expect(message("customer_reads", "reader", ["territories.pipeline"]).contains("flag customer_reads exists already (reader, legacy)"))
        #expect(message("pipeline_reads", "reader", ["territories.pipelin"]).contains("unknown view territories.pipelin; did you mean territories.pipeline?"))
        #expect(message("list_reads", "reader", ["customers.list"]).contains("view customers.list is switched by flag customer_reads already"))
        #expect(message("pipeline_reads", "reader").contains("a reader flag needs --views"))
        #expect(message("new_checkout", "boolean", ["customers.list"]).contains("a boolean flag switches no view"))
    }
}
