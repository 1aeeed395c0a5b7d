import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// `migrate plan` evaluates exactly what `migrate up` evaluates (lint policy, contract guards,
/// changed repeatable files run on the scratch copy), and `up` refuses what `plan` reports.
@Suite("plan agrees with up", .timeLimit(.minutes(6)))
struct PlanAgreesWithUpTests {
    let cli = CLITests()

    /// A folder with `V001` (a table `t`) applied to a fresh database.
    func project() async throws -> (dir: String, args: [String], db: DatabaseTarget) {
        let db = try await TestCluster.shared.freshDatabase()
        let dir = NSTemporaryDirectory() + "cutover-agree-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try write(dir, "V001__t.sql", "-- phase: expand\nCREATE TABLE t (id int, note text);\n")
        let args = ["--database-url", db.url.urlWithPassword, "--set", "migrations.directory=\(dir)", "--set", "migrations.blackouts=none"]
        let up = try cli.cutover(["migrate", "up"] + args)
        try #require(up.status == 0, "\(up.stderr)")
        return (dir, args, db)
    }

    func write(_ dir: String, _ name: String, _ text: String) throws {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }

    @Test("a lint error: plan says up would stop, and up refuses before anything runs (exit 65)")
    func lintErrors() async throws {
        let (dir, args, db) = try await project()
        try write(dir, "V002__note_idx.sql", "-- phase: expand\nCREATE INDEX t_note_idx ON t (note);\n")
        let plan = try cli.cutover(["migrate", "plan"] + args)
        #expect(plan.status == 1 && plan.stdout.contains("lint ERROR index-not-concurrent"), "\(plan.stdout) \(plan.stderr)")
        let up = try cli.cutover(["migrate", "up"] + args)
        #expect(up.status == 65, "\(up.stdout) \(up.stderr)")
        #expect(up.stderr.contains("refusing to run: 1 lint error(s)") && up.stderr.contains("V002__note_idx.sql:2 index-not-concurrent"), "\(up.stderr)")
        #expect(try await SQL.scalar(db, "SELECT to_regclass('t_note_idx')::text") == nil)
    }

    @Test("a contract guard that does not hold: plan reports it NOT MET and up would stop; up refuses (exit 75)")
    func guards() async throws {
        let (dir, args, db) = try await project()
        try write(dir, "V002__drop_t.sql", "-- phase: contract\n-- guard: flag customer_reads = read_model for all modules\nDROP TABLE t;\n")
        let plan = try cli.cutover(["migrate", "plan", "--at", "2027-03-01"] + args)
        #expect(plan.status == 1, "\(plan.stdout) \(plan.stderr)")
        #expect(plan.stdout.contains("guard ✗ NOT MET flag customer_reads = read_model for all modules"), "\(plan.stdout)")
        #expect(plan.stdout.contains("`migrate up` would stop"), "\(plan.stdout)")
        let up = try cli.cutover(["migrate", "up"] + args)
        #expect(up.status == 75 && up.stderr.contains("guard(s) do not hold"), "\(up.stdout) \(up.stderr)")
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('t') IS NOT NULL)::text") == "true")
    }

    @Test("a changed repeatable file that fails: plan runs it on the scratch copy and says FAILS; up fails the same way (exit 65)")
    func repeatables() async throws {
        let (dir, args, db) = try await project()
        try write(dir, "R__views.sql", "CREATE OR REPLACE VIEW t_view AS SELECT id, note FROM t;\n")
        let applied = try cli.cutover(["migrate", "up"] + args)
        try #require(applied.status == 0, "\(applied.stderr)")
        try write(dir, "R__views.sql", "CREATE OR REPLACE VIEW t_view AS SELECT id FROM t;\n")
        let plan = try cli.cutover(["migrate", "plan"] + args)
        #expect(plan.status == 1, "\(plan.stdout) \(plan.stderr)")
        #expect(plan.stdout.contains("R__views.sql  repeatable") && plan.stdout.contains("FAILS: ") && plan.stdout.contains("cannot drop columns from view"),
                "\(plan.stdout)")
        let up = try cli.cutover(["migrate", "up"] + args)
        #expect(up.status == 65 && up.stderr.contains("cannot drop columns from view"), "\(up.stdout) \(up.stderr)")
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM information_schema.columns WHERE table_name = 't_view'") == "2")
    }
}
