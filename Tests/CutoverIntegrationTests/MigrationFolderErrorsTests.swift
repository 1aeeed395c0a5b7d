import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// Migration folders that must not run: an undo file without its forward file (never adopted by
/// `migrate number`), a misspelled header directive, several problems at once (all listed),
/// through the `cutover` binary.
@Suite("migration folder errors", .timeLimit(.minutes(5)))
struct MigrationFolderErrorsTests {
    let cli = CLITests()

    /// A folder with `files` (name → text) and a config naming it, without a blackout calendar.
    func project(_ files: [String: String]) throws -> (dir: String, config: [String]) {
        let dir = NSTemporaryDirectory() + "cutover-folder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/migrations", withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/migrations/" + name, atomically: true, encoding: .utf8) }
        try "migrations:\n  directory: migrations\n  blackouts: none\n".write(toFile: dir + "/cutover.yaml", atomically: true, encoding: .utf8)
        return (dir, ["--config", dir + "/cutover.yaml"])
    }

    func files(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir + "/migrations").sorted()
    }

    @Test("an undo file without its V file stops number (nothing renamed), status, lint and plan with exit 65 naming it")
    func strayUndoFile() async throws {
        let db = try await TestCluster.shared.freshDatabase()
        let (dir, config) = try project([
            "V001__a.sql": "-- phase: expand\nCREATE TABLE a (id int);\n",
            "U004__old_experiment.sql": "DROP TABLE crm.customers CASCADE;\n",
            "VXXX__add_qa_new.sql": "-- phase: expand\nCREATE TABLE qa (id int);\n",
        ])
        let before = try files(dir)
        for ci in ["false", "true"] {
            let number = try cli.cutover(["migrate", "number", "--offline"] + config, environment: ["CI": ci], directory: dir)
            #expect(number.status == 65, "CI=\(ci): \(number.status) \(number.stdout) \(number.stderr)")
            #expect(number.stderr.contains("U004__old_experiment.sql: no V004 file"), "\(number.stderr)")
            #expect(try files(dir) == before)
        }
        try FileManager.default.moveItem(atPath: dir + "/migrations/VXXX__add_qa_new.sql", toPath: dir + "/migrations/V002__add_qa_new.sql")
        for command in [["migrate", "status"], ["migrate", "lint"], ["migrate", "plan"]] {
            let run = try cli.cutover(command + config + ["--database-url", db.url.urlWithPassword], directory: dir)
            #expect(run.status == 65 && run.stderr.contains("U004__old_experiment.sql"), "\(command): \(run.status) \(run.stderr)")
        }
    }

    @Test("a misspelled header directive stops lint and up (exit 65) with a did-you-mean; nothing is applied")
    func misspelledDirective() async throws {
        let db = try await TestCluster.shared.freshDatabase()
        let (dir, config) = try project([
            "V001__a.sql": "-- phase: expand\nCREATE TABLE a (id int);\n",
            "V002__drop_a.sql": "-- phase: contract\n-- gaurd: flag customer_reads = read_model for all modules\nDROP TABLE a;\n",
        ])
        let lint = try cli.cutover(["migrate", "lint"] + config, directory: dir)
        #expect(lint.status == 65, "\(lint.stdout) \(lint.stderr)")
        #expect(lint.stderr.contains("V002__drop_a.sql:2: unknown directive \"gaurd\"; did you mean \"guard\"?"), "\(lint.stderr)")
        let up = try cli.cutover(["migrate", "up", "--database-url", db.url.urlWithPassword] + config, directory: dir)
        #expect(up.status == 65 && up.stderr.contains("did you mean \"guard\""), "\(up.stderr)")
        #expect(try await SQL.scalar(db, "SELECT to_regclass('public.a')::text") == nil)
    }

    @Test("status, lint and plan list every problem of the folder at once (exit 65)")
    func everyProblemAtOnce() async throws {
        let db = try await TestCluster.shared.freshDatabase()
        let (dir, config) = try project([
            "V001__a.sql": "-- phase: expand\nCREATE TABLE a (id int);\n",
            "V002__b.sql": "-- phase: expand\nCREATE TABLE b (id int);\n",
            "V002__c.sql": "-- phase: expand\nCREATE TABLE c (id int);\n",
            "VXXX__d.sql": "-- phase: expand\nCREATE TABLE d (id int);\n",
            "U007__gone.sql": "DROP TABLE gone;\n",
        ])
        for command in [["migrate", "status"], ["migrate", "lint"], ["migrate", "plan"]] {
            let run = try cli.cutover(command + config + ["--database-url", db.url.urlWithPassword], directory: dir)
            #expect(run.status == 65, "\(command): \(run.status) \(run.stderr)")
            for problem in ["VXXX__d.sql: unnumbered", "share version 2: V002__b.sql and V002__c.sql", "U007__gone.sql: no V007 file"] {
                #expect(run.stderr.contains(problem), "\(command): \(problem) missing from \(run.stderr)")
            }
        }
    }
}
