import CutoverCore
import CutoverPostgres
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `migrate up` while statements run: Ctrl-C cancels the statement on the server, the progress
/// written so far is in the output file, and the command says what state the file is in; an error
/// a SELECT raises while it runs fails the file.
@Suite("migrate up at run time", .timeLimit(.minutes(5)))
struct MigrateRunTimeTests {
    /// A database, a folder with `files`, and `migrate up` started on them with its output in a file.
    func start(_ files: [String: String]) async throws -> (db: DatabaseTarget, child: Subprocess) {
        let db = try await TestCluster.shared.freshDatabase()
        let dir = NSTemporaryDirectory() + "cutover-interrupt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        let child = try Subprocess(CLITests.binary, ["migrate", "up", "--database-url", db.url.urlWithPassword, "--set", "migrations.directory=\(dir)",
                                                     "--set", "migrations.blackouts=none"], logPath: dir + ".log")
        return (db, child)
    }

    /// Waits until `pg_sleep` runs in `db` (the migration reached it).
    func waitForSleep(_ db: DatabaseTarget, _ child: Subprocess) async throws {
        for _ in 0..<600 {
            if try await sleeping(db) > 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the migration never reached pg_sleep: \(child.output)")
    }

    func sleeping(_ db: DatabaseTarget) async throws -> Int {
        Int(try await SQL.scalar(db, """
            SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep%'
            """) ?? "0") ?? 0
    }

    /// After the interrupt, the server statement must stop within seconds (not run its 120 s).
    func expectStatementCancelled(_ db: DatabaseTarget) async throws {
        var remaining = 1
        for _ in 0..<200 where remaining > 0 {
            remaining = try await sleeping(db)
            if remaining > 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(remaining == 0, "the migration's statement still runs on the server")
    }

    @Test("Ctrl-C in a statement-by-statement file: progress is in the output file, the statement is cancelled, the file is partly applied and resumes")
    func interruptStatementByStatement() async throws {
        let (db, child) = try await start(["V001__slow.sql": "-- phase: expand\n-- transaction: none\nCREATE TABLE before_sleep (id int);\nSELECT pg_sleep(120);\nCREATE TABLE after_sleep (id int);\n"])
        try await waitForSleep(db, child)
        #expect(child.output.contains("→ V001__slow.sql [expand, statement by statement], 3 statement(s)"), "progress not written as it happened: \(child.output)")
        let status = await child.stop(SIGINT, within: .seconds(30))
        #expect(status == 130)
        try await expectStatementCancelled(db)
        #expect(child.output.contains("interrupted: V001__slow.sql is partly applied: statements 1–1 of 3 are done and recorded; `cutover migrate up` resumes at statement 2"),
                "\(child.output)")
        #expect(try await SQL.scalar(db, "SELECT statements_done::text FROM cutover.migration_progress WHERE version = 1") == "1")
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('after_sleep') IS NULL)::text") == "true")
    }

    @Test("Ctrl-C in a transactional file: the statement is cancelled and the file rolled back, earlier files stay applied")
    func interruptTransactional() async throws {
        let (db, child) = try await start([
            "V001__ok.sql": "-- phase: expand\nCREATE TABLE t_ok (id int);\n",
            "V002__slow.sql": "-- phase: expand\nCREATE TABLE t_slow (id int);\nSELECT pg_sleep(120);\n",
        ])
        try await waitForSleep(db, child)
        let status = await child.stop(SIGINT, within: .seconds(30))
        #expect(status == 130)
        try await expectStatementCancelled(db)
        #expect(child.output.contains("✓ V001__ok.sql") && child.output.contains("interrupted: V002__slow.sql was rolled back, nothing of it is applied"),
                "\(child.output)")
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('t_slow') IS NULL AND to_regclass('t_ok') IS NOT NULL)::text") == "true")
        #expect(try await SQL.scalar(db, "SELECT string_agg(version::text, ',') FROM cutover.schema_history") == "1")
    }

    @Test("an error a SELECT raises while it runs fails the file (it used to count as done)")
    func selectErrorsFail() async throws {
        let (db, child) = try await start(["V001__select.sql": "-- phase: expand\nCREATE TABLE t (id int);\nSELECT 1 / floor(random())::int;\n"])
        let status = await child.waitForExit(within: .seconds(60))
        #expect(status == 65, "\(child.output)")
        #expect(child.output.contains("division by zero"), "\(child.output)")
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('t') IS NULL)::text") == "true")
    }
}
