import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// The migration workflow through the `cutover` binary: new, number, plan, up inside a blackout,
/// rollback, calendar.
@Suite("cutover migrate workflow", .timeLimit(.minutes(10)))
struct MigrateCLITests {
    let cli = CLITests()

    /// A scratch project: migrations/ with the repository's templates, config/blackouts.yaml
    /// (without a calendar, `migrations.blackouts: none`).
    func project(calendar: String? = nil) throws -> String {
        let dir = NSTemporaryDirectory() + "cutover-project-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/migrations", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/config", withIntermediateDirectories: true)
        try fm.copyItem(atPath: TestCluster.repositoryRoot + "/migrations/templates", toPath: dir + "/migrations/templates")
        if let calendar { try calendar.write(toFile: dir + "/config/blackouts.yaml", atomically: true, encoding: .utf8) }
        try "migrations:\n  directory: \(dir)/migrations\n  blackouts: \(calendar == nil ? "none" : dir + "/config/blackouts.yaml")\n"
            .write(toFile: dir + "/config/cutover.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    func files(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir + "/migrations").filter { $0.hasSuffix(".sql") }.sorted()
    }

    @Test("new writes a VXXX file from a template; number gives it the next version; CI mode refuses unnumbered files")
    func newAndNumber() throws {
        let dir = try project()
        let config = ["--config", dir + "/config/cutover.yaml"]
        let created = try cli.cutover(["migrate", "new", "Add customer overview!", "--phase", "expand"] + config, directory: dir)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try files(dir) == ["VXXX__add_customer_overview.sql"])
        let text = try String(contentsOfFile: dir + "/migrations/VXXX__add_customer_overview.sql", encoding: .utf8)
        #expect(text.contains("-- description: Add customer overview!") && text.contains("-- rollback:"))
        // Unnumbered files stop `up` with a hint before anything connects.
        let up = try cli.cutover(["migrate", "up", "--database-url", "postgres://x@127.0.0.1:1/x"] + config, directory: dir)
        #expect(up.status == 65 && up.stderr.contains("cutover migrate number"))
        let ci = try cli.cutover(["migrate", "number", "--ci", "--offline"] + config, directory: dir)
        #expect(ci.status == 65 && ci.stdout.contains("VXXX__add_customer_overview.sql → V001__add_customer_overview.sql"))
        #expect(try files(dir) == ["VXXX__add_customer_overview.sql"])
        // (CI=true in the environment means CI mode; this step is the local renumbering.)
        let local = ["CI": "false"]
        let numbered = try cli.cutover(["migrate", "number", "--offline"] + config, environment: local, directory: dir)
        #expect(numbered.status == 0, "\(numbered.stderr)")
        #expect(try files(dir) == ["V001__add_customer_overview.sql"])
        let contract = try cli.cutover(["migrate", "new", "drop legacy index", "--phase", "contract"] + config, directory: dir)
        #expect(contract.status == 0)
        _ = try cli.cutover(["migrate", "number", "--offline"] + config, environment: local, directory: dir)
        #expect(try files(dir) == ["V001__add_customer_overview.sql", "V002__drop_legacy_index.sql"])
        let lint = try String(contentsOfFile: dir + "/migrations/V002__drop_legacy_index.sql", encoding: .utf8)
        #expect(lint.contains("-- phase: contract") && lint.contains("-- transaction: none"))
        let again = try cli.cutover(["migrate", "number", "--ci", "--offline"] + config, environment: local, directory: dir)
        #expect(again.status == 0 && again.stdout.contains("every migration has its own version"))
        let bad = try cli.cutover(["migrate", "new", "x", "--template", "nope"] + config, directory: dir)
        #expect(bad.status == 64 && bad.stderr.contains("available: backfill, contract, expand, lead_protection_rls"))
        let wrongPhase = try cli.cutover(["migrate", "new", "x", "--phase", "later"] + config, directory: dir)
        #expect(wrongPhase.status == 64 && wrongPhase.stderr.contains("valid: expand, migrate, contract"))
    }

    @Test("the repository's own migrations are numbered, and every template is a valid migration")
    func shippedFolder() throws {
        let run = try cli.cutover(["migrate", "number", "--ci", "--offline"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let templates = TestCluster.repositoryRoot + "/migrations/templates"
        for name in try FileManager.default.contentsOfDirectory(atPath: templates) where name.hasSuffix(".sql") {
            let text = try String(contentsOfFile: templates + "/" + name, encoding: .utf8)
            let file = try MigrationFile(filename: "V001__" + name, content: text)
            #expect(!file.statements.isEmpty)
            #expect(file.phase == .contract || !file.rollbackStatements.isEmpty, "template \(name) needs a rollback section")
            let errors = MigrationLinter(runnerSetsLockTimeout: true).lint(file).filter { $0.severity == .error }
            #expect(errors.isEmpty, "template \(name) must lint clean: \(errors.map(\.message))")
        }
    }

    @Test("calendar: decisions per phase and the next windows; a broken calendar exits 78")
    func calendar() throws {
        let run = try cli.cutover(["calendar", "--at", "2026-12-10", "--days", "40"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("contract  DENY — Christmas catering until 2026-12-27 00:00 CET"))
        #expect(run.stdout.contains("2026-12-30 2027-01-02"))
        let dir = try project(calendar: "periods:\n  - name: Broken\n    every_year: { from: \"02-30\", to: \"03-01\" }\n    policy: { contract: deny }\n")
        let broken = try cli.cutover(["calendar", "--config", dir + "/config/cutover.yaml"], directory: dir)
        #expect(broken.status == 78 && broken.stderr.contains("period \"Broken\"") && broken.stderr.contains("MM-DD"))
        let badDate = try cli.cutover(["calendar", "--at", "tomorrow"])
        #expect(badDate.status == 64)
    }

    @Test("up inside a blackout exits 75 naming the period; --override-blackout needs a reason and is recorded; plan and rollback --dry-run")
    func blackoutAndPlan() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try project(calendar: """
            periods:
              - name: Always contract-free
                every_year: { from: "01-01", to: "12-31" }
                policy: { contract: deny, migrate: throttle }
            """)
        try "-- phase: expand\nCREATE TABLE t (id int, note text);\n-- rollback:\nDROP TABLE t;\n"
            .write(toFile: dir + "/migrations/V001__t.sql", atomically: true, encoding: .utf8)
        try "-- phase: contract\nALTER TABLE t DROP COLUMN note;\n".write(toFile: dir + "/migrations/V002__drop_note.sql", atomically: true, encoding: .utf8)
        let args = ["--config", dir + "/config/cutover.yaml", "--database-url", target.url.urlWithPassword]

        let plan = try cli.cutover(["migrate", "plan"] + args, directory: dir)
        #expect(plan.status == 1, "a denied file makes the plan fail: \(plan.stdout)")
        #expect(plan.stdout.contains("V001__t.sql  expand · one transaction · 1 statement(s) · rollback: section"))
        #expect(plan.stdout.contains("ACCESS EXCLUSIVE on public.t — new object, blocks nobody"))
        #expect(plan.stdout.contains("\"Always contract-free\"") && plan.stdout.contains("DENY"))

        let refused = try cli.cutover(["migrate", "up"] + args, directory: dir)
        #expect(refused.status == 75 && refused.stderr.contains("Always contract-free") && refused.stderr.contains("--override-blackout"))
        let noReason = try cli.cutover(["migrate", "up", "--override-blackout"] + args, directory: dir)
        #expect(noReason.status == 64 && noReason.stderr.contains("--reason"))
        let expandOnly = try cli.cutover(["migrate", "up", "--phase", "expand"] + args, directory: dir)
        #expect(expandOnly.status == 0, "\(expandOnly.stderr)")
        let overridden = try cli.cutover(["migrate", "up", "--override-blackout", "--reason", "INC-7 hotfix"] + args, directory: dir)
        #expect(overridden.status == 0 && overridden.stdout.contains("OVERRIDE"), "\(overridden.stderr)")

        let status = try cli.cutover(["migrate", "status"] + args, directory: dir)
        #expect(status.status == 0 && status.stdout.contains("contract 1 applied, 0 pending"))
        let rollback = try cli.cutover(["migrate", "rollback", "--dry-run"] + args, directory: dir)
        #expect(rollback.status == 65 && rollback.stderr.contains("contract changes are irreversible"))
    }
}
