import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// Source tables are checked against the target database's catalog, in any schema (issue: a fixed
/// list of FreshFoodz tables refused a projection over pgbench's tables).
@Suite("Projection sources against the database catalog", .timeLimit(.minutes(5)))
struct ProjectionCatalogTests {
    /// A projection folder over pgbench's tables: per branch, its accounts and their balance.
    func pgbenchProjections(table: String = "public.pgbench_accounts", column: String = "bid") throws -> String {
        let root = NSTemporaryDirectory() + "cutover-pgbench-projections-\(UUID().uuidString.prefix(8))"
        let folder = root + "/branch_balances"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
            name: branch_balances
            version: 1
            description: Per pgbench branch, its accounts and their total balance.
            key: {column: bid, type: bigint, all: SELECT bid FROM public.pgbench_branches}
            primaryKey: [bid]
            sources:
              - {table: public.pgbench_branches, column: bid}
              - {table: \(table), column: \(column)}
            """.write(toFile: folder + "/projection.yaml", atomically: true, encoding: .utf8)
        try """
            CREATE TABLE {{table}} (bid bigint PRIMARY KEY, accounts bigint NOT NULL, balance bigint NOT NULL);
            ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;
            """.write(toFile: folder + "/table.sql", atomically: true, encoding: .utf8)
        try """
            SELECT b.bid::bigint, count(a.aid), coalesce(sum(a.abalance), 0)::bigint
            FROM public.pgbench_branches b LEFT JOIN public.pgbench_accounts a ON a.bid = b.bid
            WHERE b.bid = ANY($1::bigint[]) GROUP BY b.bid
            """.write(toFile: folder + "/recompute.sql", atomically: true, encoding: .utf8)
        return root
    }

    @Test("a database Cutover did not create (pgbench -i): its tables validate; a typo, a missing column or a view is refused naming projection, file and table, by validate, by projections apply and by project")
    func pgbenchTables() async throws {
        let db = try await TestCluster.shared.migratedDatabase(capture: .triggers)
        // search_path public: "$user" would be the engine's schema cutover for the user cutover.
        let initialise = try ProcessRunner(runAsUser: nil).run("/usr/bin/env", ["PGOPTIONS=-c search_path=public", "pgbench", "-i", "-s", "1", "-q", db.url.urlWithPassword])
        try #require(initialise.succeeded, "pgbench -i failed: \(initialise.output.suffix(1000))")
        let cli = CLITests()
        let good = try pgbenchProjections()
        let valid = try cli.cutover(["projections", "validate", "--database-url", db.url.urlWithPassword, "--set", "projections.directory=\(good)"])
        #expect(valid.status == 0 && valid.stdout.contains("✓ branch_balances v1"), "\(valid.stdout) \(valid.stderr)")

        try await SQL.exec(db, "CREATE VIEW public.pgbench_accounts_view AS SELECT * FROM public.pgbench_accounts")
        for (table, column, message) in [("public.pgbench_acounts", "bid", "source table public.pgbench_acounts does not exist in database \(db.url.database)"),
                                         ("public.pgbench_tellers", "aid", "source public.pgbench_tellers has no column aid"),
                                         ("public.pgbench_accounts_view", "bid", "source public.pgbench_accounts_view is not a table")] {
            let root = try pgbenchProjections(table: table, column: column)
            let expected = "\(root)/branch_balances/projection.yaml: \(message)"
            let run = try cli.cutover(["projections", "validate", "--database-url", db.url.urlWithPassword, "--set", "projections.directory=\(root)"])
            #expect(run.status == 65 && run.stderr.contains(expected), "\(table): \(run.status) \(run.stderr)")
            let apply = try cli.cutover(["projections", "apply", "--database-url", db.url.urlWithPassword, "--set", "projections.directory=\(root)"])
            #expect(apply.status == 65 && apply.stderr.contains(expected), "apply: \(apply.status) \(apply.stderr)")
            let offline = try cli.cutover(["projections", "validate", "--offline", "--set", "projections.directory=\(root)"])
            #expect(offline.status == 0, "the files alone are fine: \(offline.stderr)")
            // A child process with a bound: a check that let it through must not hang the test.
            let project = try Subprocess(CLITests.binary, ["project", "--database-url", db.url.urlWithPassword, "--set", "projections.directory=\(root)",
                                                           "--set", "http.port=0"], logPath: root + "/project.log")
            let status = await project.waitForExit(within: .seconds(60))
            if status == nil { project.kill(SIGKILL) }
            #expect(status == 65 && project.output.contains(expected), "project must refuse before building: \(String(describing: status)) \(project.output)")
        }
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.projection_checkpoint WHERE projection = 'branch_balances'") == "0")
    }
}
