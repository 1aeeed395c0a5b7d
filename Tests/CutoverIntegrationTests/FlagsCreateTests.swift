import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// `cutover flags create` as the process users start, on a database with the engine and no flags.
@Suite("flags create", .timeLimit(.minutes(3)))
struct FlagsCreateTests {
    let cli = CLITests()

    @Test("creates audited reader and boolean flags that start on legacy / off; refuses taken names and views, unknown views and missing reasons, changing nothing")
    func create() async throws {
        let db = try await TestCluster.shared.freshDatabase(prefix: "flags")
        let args = ["--database-url", db.url.urlWithPassword]
        let reader = try cli.cutover(["flags", "create", "customer_reads", "--kind", "reader", "--views", "customers.list,customers.detail",
                                      "--description", "customer list and detail", "--reason", "module 02 moves first"] + args)
        #expect(reader.status == 0 && reader.stdout.contains("created reader flag customer_reads for customers.list, customers.detail: legacy (version 1, audit #"),
                "\(reader.stdout) \(reader.stderr)")
        let boolean = try cli.cutover(["flags", "create", "new_checkout", "--kind", "boolean", "--reason", "release 4.2"] + args)
        #expect(boolean.status == 0 && boolean.stdout.contains("created boolean flag new_checkout: off"), "\(boolean.stdout) \(boolean.stderr)")

        for (extra, message) in [
            (["customer_reads", "--kind", "reader", "--views", "territories.pipeline", "--reason", "x"], "flag customer_reads exists already"),
            (["list_reads", "--kind", "reader", "--views", "customers.list", "--reason", "x"], "view customers.list is switched by flag customer_reads already"),
            (["pipeline_reads", "--kind", "reader", "--views", "territories.pipelin", "--reason", "x"], "did you mean territories.pipeline?"),
            (["pipeline_reads", "--kind", "reader", "--views", "territories.pipeline"], "needs a reason"),
            (["Pipeline", "--kind", "boolean", "--reason", "x"], "must start with a lowercase letter"),
        ] {
            let refused = try cli.cutover(["flags", "create"] + extra + args)
            #expect(refused.status == 64 && refused.stderr.contains(message), "\(extra): \(refused.status) \(refused.stderr)")
        }
        #expect(try await SQL.column(db, "SELECT name || ' ' || kind || ' ' || (value -> 'rule' ->> 'variant') FROM cutover.flags ORDER BY name")
                == ["customer_reads reader legacy", "new_checkout boolean off"])
        let history = try cli.cutover(["flags", "history", "customer_reads"] + args)
        #expect(history.stdout.contains("(created) → legacy") && history.stdout.contains("module 02 moves first"), "\(history.stdout)")
        let set = try cli.cutover(["flags", "set", "customer_reads", "shadow", "--module", "02", "--reason", "compare"] + args)
        #expect(set.status == 0 && set.stdout.contains("customer_reads: legacy → legacy; 02=shadow (version 2"), "\(set.stdout) \(set.stderr)")
    }
}
