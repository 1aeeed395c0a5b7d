import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// Cutover on a schema nobody here wrote: a database made by `pgbench -i`, two projections over
/// pgbench's tables, then `init`, `projections apply` and `project` while pgbench's own tpcb-like
/// script writes at full speed; `verify --full` is clean afterwards.
@Suite("Adopting a database Cutover did not create (pgbench)", .timeLimit(.minutes(6)))
struct AdoptionTests {
    let cli = CLITests()

    /// The projection folders docs/adopting.md shows (`examples/pgbench/projections`): per branch
    /// its accounts and their balance, per teller its history rows and the sum of their deltas.
    static func projections() throws -> String {
        let root = NSTemporaryDirectory() + "cutover-adoption-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestCluster.repositoryRoot + "/examples/pgbench/projections", toPath: root + "/projections")
        return root + "/projections"
    }

    @Test("pgbench -i -s 10, init, projections apply, project while tpcb-like runs 30 s at full speed: verify --full is clean")
    func pgbenchAdoption() async throws {
        let db = try await TestCluster.capture.emptyDatabase(prefix: "pgbench")
        let root = try Self.projections()
        let scale = try Subprocess("/usr/bin/env", ["PGOPTIONS=-c search_path=public", "pgbench", "-i", "-s", "10", "-q", db.url.urlWithPassword],
                                   logPath: root + "/pgbench-init.log")
        #expect(await scale.waitForExit(within: .seconds(180)) == 0, "pgbench -i: \(scale.output.suffix(800))")
        try await SQL.exec(db, "CREATE INDEX pgbench_accounts_bid ON public.pgbench_accounts (bid)", "CREATE INDEX pgbench_history_tid ON public.pgbench_history (tid)")
        let args = ["--database-url", db.url.urlWithPassword, "--set", "projections.directory=\(root)"]

        let beforeInit = try await cli.offPool(["projections", "apply"] + args)
        #expect(beforeInit.status == 78 && beforeInit.stderr.contains("run `cutover init`"), "\(beforeInit.stderr)")
        let initialise = try await cli.offPool(["init"] + args)
        #expect(initialise.status == 0 && initialise.stdout.contains("capture: wal"), "\(initialise.stdout + initialise.stderr)")
        let refused = try Subprocess(CLITests.binary, ["project", "--set", "http.port=0"] + args, logPath: root + "/refused.log")
        #expect(await refused.waitForExit(within: .seconds(60)) == 78 && refused.output.contains("run `cutover projections apply`"), "\(refused.output)")

        let dry = try await cli.offPool(["projections", "apply", "--dry-run"] + args)
        #expect(dry.status == 1 && dry.stdout.contains("add public.pgbench_history to publication cutover_capture"), "\(dry.stdout + dry.stderr)")
        let apply = try await cli.offPool(["projections", "apply"] + args)
        #expect(apply.status == 0 && apply.stdout.contains("✓ ALTER TABLE public.pgbench_accounts REPLICA IDENTITY FULL"), "\(apply.stdout + apply.stderr)")
        #expect(try await SQL.scalar(db, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'cutover_capture'")
                == "pgbench_accounts,pgbench_branches,pgbench_history,pgbench_tellers")
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.capture_audit") == "1")
        #expect(try await cli.offPool(["projections", "apply"] + args).stdout.contains("matches the projections"))

        let projector = try Subprocess(CLITests.binary, ["project", "--set", "http.port=0"] + args, logPath: root + "/project.log")
        defer { projector.kill(SIGKILL) }
        let built = try await cli.offPool(["projector", "wait", "--timeout", "120"] + args)
        #expect(built.status == 0, "\(built.stdout) \(built.stderr) \(projector.output.suffix(2000))")

        let load = try Subprocess("/usr/bin/env", ["PGOPTIONS=-c search_path=public", "pgbench", "-b", "tpcb-like", "-T", "30", "-c", "2", "-j", "2",
                                                   "-n", db.url.urlWithPassword], logPath: root + "/pgbench-run.log")
        #expect(await load.waitForExit(within: .seconds(90)) == 0, "\(load.output.suffix(800))")
        #expect(load.output.contains("tps = "), "\(load.output.suffix(800))")
        let transactions = try #require(Int(try await SQL.scalar(db, "SELECT count(*)::text FROM public.pgbench_history") ?? ""))
        #expect(transactions > 100, "pgbench wrote only \(transactions) transactions")

        let caughtUp = try await cli.offPool(["projector", "wait", "--timeout", "180"] + args)
        #expect(caughtUp.status == 0, "\(caughtUp.stdout) \(caughtUp.stderr) \(projector.output.suffix(2000))")
        let verify = try await cli.offPool(["verify", "--full"] + args)
        #expect(verify.status == 0 && verify.stdout.contains("branch_balances") && verify.stdout.contains("teller_history"), "\(verify.stdout + verify.stderr)")
        let table = try #require(try await SQL.scalar(db, "SELECT live_table FROM cutover.projection_checkpoint WHERE projection = 'teller_history'"))
        #expect(try await SQL.scalar(db, "SELECT sum(history_rows)::text FROM \(table)") == "\(transactions)")

        let stopped = await projector.stop(SIGTERM, within: .seconds(15))
        // A table no projection reads any more stops being captured: no migration file involved.
        try FileManager.default.removeItem(atPath: root + "/teller_history")
        let shrink = try await cli.offPool(["projections", "apply"] + args)
        #expect(shrink.status == 0 && shrink.stdout.contains("✓ remove public.pgbench_history from publication cutover_capture (no projection reads it)"),
                "\(shrink.stdout) \(shrink.stderr)")
        #expect(try await SQL.scalar(db, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'cutover_capture'")
                == "pgbench_accounts,pgbench_branches")
        #expect(try await SQL.scalar(db, "SELECT relreplident::text FROM pg_class WHERE oid = 'public.pgbench_history'::regclass") == "d")
        #expect(stopped == 0, "SIGTERM: \(String(describing: stopped)) \(projector.output.suffix(3000))")
        try await SQL.exec(db, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database() AND NOT active")
    }
}
