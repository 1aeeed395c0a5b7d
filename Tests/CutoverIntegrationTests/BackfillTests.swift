import CutoverCore
import CutoverPostgres
import Foundation
import Synchronization
import Testing

/// `cutover backfill`: the shipped lead_assignments backfill against real PostgreSQL.
@Suite("Backfills", .timeLimit(.minutes(5)))
struct BackfillTests {
    static func definition() throws -> BackfillDefinition {
        try BackfillSource.load("lead_assignments", migrations: TestCluster.migrationsDirectory)
    }

    static func runner(_ db: DatabaseTarget, _ definition: BackfillDefinition? = nil,
                       configure: (inout BackfillRunner.Options) -> Void = { _ in }) throws -> BackfillRunner {
        var options = BackfillRunner.Options()
        configure(&options)
        return BackfillRunner(target: db, definition: try definition ?? Self.definition(), options: options, logger: TestCluster.logger)
    }

    /// Assignments missing or different from a set-based computation over all protections, and extra ones.
    static func mismatches(_ db: DatabaseTarget) async throws -> String? {
        try await SQL.scalar(db, """
            WITH expected AS (
                SELECT lp.customer_id, lp.owner_id AS user_id, c.territory_code, lp.protected_until
                FROM crm.lead_protections lp JOIN crm.customers c ON c.id = lp.customer_id
            ), actual AS (SELECT customer_id, user_id, territory_code, protected_until FROM crm.lead_assignments)
            SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual) m) || ' missing, '
                || (SELECT count(*) FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected) x) || ' extra'
            """)
    }

    static func int(_ db: DatabaseTarget, _ sql: String) async throws -> Int64 {
        Int64(try await SQL.scalar(db, "SELECT (\(sql))::text") ?? "") ?? -1
    }

    /// Adds `count` customers with a lead protection each, spread over four territories and all users.
    static func addProtections(_ db: DatabaseTarget, count: Int) async throws {
        try await SQL.exec(db, """
            INSERT INTO crm.customers (name, segment, status, territory_code)
            SELECT 'Bulk ' || g, 'RESTAURANT', 'LEAD', (ARRAY['DE-BY', 'DE-BW', 'DE-BE', 'AT-W'])[1 + g % 4] FROM generate_series(1, \(count)) g
            """, """
            INSERT INTO crm.lead_protections (customer_id, owner_id, protected_until, reason)
            SELECT c.id, u.ids[1 + c.id % cardinality(u.ids)], current_date + (c.id % 90)::int, 'bulk'
            FROM crm.customers c, (SELECT array_agg(id ORDER BY id) AS ids FROM crm.users) u
            WHERE c.name LIKE 'Bulk %'
            """)
    }

    @Test("the shipped backfill fills exactly one assignment per lead protection; a second run has nothing to do; pgTAP passes on the result")
    func shippedBackfill() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let protections = try await Self.int(db, "SELECT count(*) FROM crm.lead_protections")
        try #require(protections > 20)
        let events = BackfillEventLog()
        let summary = try await Self.runner(db) { $0.batchSize = 40 }.run { events.append($0) }
        #expect(try await Self.mismatches(db) == "0 missing, 0 extra")
        #expect(summary.rowsDone == protections && summary.rowsChanged == protections)
        #expect(summary.batches == Int((protections + 39) / 40))
        #expect(try await SQL.scalar(db, "SELECT rows_done || '/' || rows_changed || '/' || batches || '/' || status || '/' || (finished_at IS NOT NULL) FROM cutover.backfill_progress WHERE name = 'lead_assignments' AND partition = ''")
                == "\(protections)/\(protections)/\(summary.batches)/finished/true")
        let last = events.batches.last
        #expect(last?.rowsDone == protections && last?.rowsTotal == protections && last?.fraction == 1 && last?.etaSeconds == 0)
        #expect(events.batches.map(\.rowsDone) == events.batches.map(\.rowsDone).sorted())

        let again = try await Self.runner(db).run()
        #expect(again.rowsDone == 0 && again.batches == 0)
        #expect(try await Self.int(db, "SELECT count(*) FROM crm.lead_assignments") == protections)

        let run = try ProcessRunner(runAsUser: nil).run("/bin/bash", [TestCluster.repositoryRoot + "/scripts/pgtap.sh", db.url.urlWithPassword])
        #expect(run.succeeded && run.output.contains("All tests successful"), "pg_prove after the backfill:\n\(run.output.suffix(3000))")
    }

    @Test("--by-territory works territory by territory in the order of the partitions query, one progress row each")
    func byTerritory() async throws {
        let db = try await TestCluster.shared.seededDatabase()
        let events = BackfillEventLog()
        try await Self.runner(db) { $0.byPartition = true; $0.batchSize = 7 }.run { events.append($0) }
        #expect(try await Self.mismatches(db) == "0 missing, 0 extra")
        let territories = try await SQL.column(db, "SELECT code FROM crm.territories ORDER BY code").compactMap { $0 }
        #expect(events.partitions == territories)
        // Every batch is its own transaction, so now() (assigned_at) orders them: each territory's
        // assignments were all written before the next territory's first one.
        let order = try await SQL.column(db, """
            SELECT territory_code FROM crm.lead_assignments GROUP BY territory_code ORDER BY min(assigned_at)
            """).compactMap { $0 }
        #expect(order == territories.filter { order.contains($0) })
        let overlaps = try await Self.int(db, """
            SELECT count(*) FROM (SELECT territory_code, min(assigned_at) AS first, max(assigned_at) AS last FROM crm.lead_assignments GROUP BY 1) a
            JOIN (SELECT territory_code, min(assigned_at) AS first, max(assigned_at) AS last FROM crm.lead_assignments GROUP BY 1) b
              ON a.territory_code < b.territory_code AND b.first <= a.last
            """)
        #expect(overlaps == 0)
        #expect(try await SQL.column(db, "SELECT partition FROM cutover.backfill_progress WHERE status = 'finished' ORDER BY finished_at").compactMap { $0 } == territories)
        #expect(try await Self.int(db, "SELECT sum(rows_done) FROM cutover.backfill_progress") == Self.int(db, "SELECT count(*) FROM crm.lead_protections"))
        // The batches of a partition never cross into the next one.
        #expect(events.batches.allSatisfy { $0.partition != nil })
    }

    @Test("killed mid-run (SIGKILL): progress equals what was committed; a rerun resumes and ends with no row missing or twice")
    func crashAndResume() async throws {
        let db = try await TestCluster.shared.seededDatabase()
        try await Self.addProtections(db, count: 20_000)
        let total = try await Self.int(db, "SELECT count(*) FROM crm.lead_protections")
        let log = NSTemporaryDirectory() + "cutover-backfill-\(UUID().uuidString).log"
        let child = try Subprocess(CLITests.binary, ["backfill", "lead_assignments", "--database-url", db.url.urlWithPassword,
                                                     "--set", "migrations.directory=\(TestCluster.migrationsDirectory)",
                                                     "--batch-size", "200", "--throttle-ms", "30"], logPath: log)
        var batches: Int64 = 0
        for _ in 0..<300 where batches < 8 {
            try await Task.sleep(for: .milliseconds(50))
            batches = (try? await Self.int(db, "SELECT coalesce(max(batches), 0) FROM cutover.backfill_progress")) ?? 0
        }
        child.kill(SIGKILL)
        try #require(batches >= 8, "the runner did not get going: \(child.output)")
        let done = try await Self.int(db, "SELECT rows_done FROM cutover.backfill_progress WHERE name = 'lead_assignments'")
        #expect(done > 0 && done < total, "killed too late to test a resume: \(done) of \(total)")
        #expect(try await Self.int(db, "SELECT count(*) FROM crm.lead_assignments") == done, "the data and the progress row disagree after the kill")
        #expect(try await Self.int(db, "SELECT count(*) FROM crm.lead_assignments WHERE customer_id > (SELECT last_key FROM cutover.backfill_progress)") == 0)
        // The killed client's backend ends (and frees the lock) once the server notices the closed socket.
        var state: BackfillState?
        for _ in 0..<100 {
            state = try await BackfillInspector.states([("lead_assignments", try Self.definition().checksum)], target: db, logger: TestCluster.logger).first
            if state?.holder == nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(state?.status == "interrupted")

        let events = BackfillEventLog()
        let resumed = try await Self.runner(db).run { events.append($0) }
        #expect(events.started?.rowsAlreadyDone == done && events.started?.rowsTotal == total)
        #expect(resumed.rowsDone == total - done)
        #expect(try await Self.mismatches(db) == "0 missing, 0 extra")
        #expect(try await SQL.scalar(db, "SELECT rows_done || '/' || rows_changed || '/' || status FROM cutover.backfill_progress") == "\(total)/\(total)/finished")
    }

    @Test("a changed definition is refused unless --restart; the mode of a started run cannot change either")
    func definitionChanged() async throws {
        let db = try await TestCluster.shared.seededDatabase()
        let original = try Self.definition()
        try await Self.runner(db, original) { $0.batchSize = 50 }.run()
        let text = try String(contentsOfFile: BackfillSource.directory(migrations: TestCluster.migrationsDirectory) + "/lead_assignments.sql", encoding: .utf8)
        let changed = try BackfillDefinition(filename: "lead_assignments.sql", content: text.replacingOccurrences(of: "ORDER BY lp.customer_id", with: "ORDER BY lp.customer_id DESC"))
        await #expect {
            try await Self.runner(db, changed).run()
        } throws: { error in
            guard let e = error as? DatabaseError else { return false }
            return e.code == .backfillDefinitionChanged && e.message.contains("lead_assignments.sql changed") && e.message.contains("--restart")
        }
        let restarted = try await Self.runner(db, changed) { $0.restart = true }.run()
        #expect(restarted.rowsDone == (try await Self.int(db, "SELECT count(*) FROM crm.lead_protections")) && restarted.rowsChanged == 0)
        #expect(try await SQL.scalar(db, "SELECT DISTINCT checksum FROM cutover.backfill_progress") == changed.checksum)
        await #expect {
            try await Self.runner(db, changed) { $0.byPartition = true }.run()
        } throws: { error in
            (error as? DatabaseError)?.code == .backfillModeChanged
        }
    }

    @Test("one runner per backfill: a second one is refused naming the holder (exit 75 from the CLI); cancelling keeps committed batches")
    func secondRunnerRefused() async throws {
        let db = try await TestCluster.shared.seededDatabase()
        let first = try Self.runner(db) { $0.batchSize = 5; $0.throttleMilliseconds = 100 }
        let task = Task { try await first.run() }
        var holder: String?
        for _ in 0..<100 where holder == nil {
            try await Task.sleep(for: .milliseconds(50))
            holder = try await BackfillInspector.states([("lead_assignments", nil)], target: db, logger: TestCluster.logger).first?.holder
        }
        try #require(holder != nil, "the first runner never took the lock")
        await #expect {
            try await Self.runner(db).run()
        } throws: { error in
            guard let e = error as? DatabaseError else { return false }
            return e.code == .backfillLockBusy && e.message.contains("already running") && e.message.contains("pid ")
        }
        let cli = try CLITests().cutover(["backfill", "lead_assignments", "--database-url", db.url.urlWithPassword])
        #expect(cli.status == 75 && cli.stderr.contains("already running"), "\(cli.status): \(cli.stderr)")
        task.cancel()
        let outcome = await task.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(try await Self.int(db, "SELECT count(*) FROM crm.lead_assignments") == Self.int(db, "SELECT rows_done FROM cutover.backfill_progress"))
        // The lock went with the cancelled run: the backfill can be finished now.
        try await Self.runner(db).run()
        #expect(try await Self.mismatches(db) == "0 missing, 0 extra")
    }

    @Test("CLI: an unknown name exits 64 listing the known ones; a malformed definition exits 65 naming the file and the problem")
    func cliErrors() throws {
        let dir = NSTemporaryDirectory() + "cutover-backfills-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/backfills", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "-- backfill: broken\n-- source: crm.lead_protections\n-- key: customer_id\n-- batch_size: 10\nDELETE FROM x WHERE id > :from_key AND id <= :to_key;\n"
            .write(toFile: dir + "/backfills/broken.sql", atomically: true, encoding: .utf8)
        let cli = CLITests()
        let url = "postgres://nobody@127.0.0.1:1/none"  // never reached: the definition is checked first
        let unknown = try cli.cutover(["backfill", "nope", "--database-url", url, "--set", "migrations.directory=\(dir)"])
        #expect(unknown.status == 64 && unknown.stderr.contains("unknown backfill \"nope\"") && unknown.stderr.contains("known: broken"), "\(unknown.stderr)")
        let malformed = try cli.cutover(["backfill", "broken", "--database-url", url, "--set", "migrations.directory=\(dir)"])
        #expect(malformed.status == 65 && malformed.stderr.contains("broken.sql:4") && malformed.stderr.contains("unknown directive \"batch_size\""), "\(malformed.stderr)")
        let shipped = try cli.cutover(["backfill", "nope", "--database-url", url, "--set", "migrations.directory=\(TestCluster.migrationsDirectory)"])
        #expect(shipped.status == 64 && shipped.stderr.contains("known: lead_assignments"), "\(shipped.stderr)")
    }
}
