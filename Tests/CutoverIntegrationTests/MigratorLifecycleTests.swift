import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// Lock timeouts and retries, resumable non-transactional files, rollback, repeatables, repair and
/// blackouts, each against a fresh database.
@Suite("Migrator lifecycle against PostgreSQL", .timeLimit(.minutes(5)))
struct MigratorLifecycleTests {
    let logger = TestCluster.logger

    func folder(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "cutover-migrations-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    func migrator(_ target: DatabaseTarget, _ dir: String, timeouts: MigrationTimeouts = MigrationTimeouts(),
                  calendar: BlackoutCalendar = .none, override: String? = nil, now: Int64? = nil) throws -> Migrator {
        Migrator(target: target, catalog: try MigrationSource.load(directory: dir), operatorName: "tester", timeouts: timeouts,
                 calendar: calendar, blackoutOverride: override, now: { now ?? Int64(Date().timeIntervalSince1970) }, logger: logger)
    }

    @Test("a transaction: none file rolls back statement by statement (DROP INDEX CONCURRENTLY cannot run in a transaction)")
    func rollbackNonTransactional() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        try await SQL.exec(target, "CREATE TABLE t (id int)")
        let dir = try folder(["V001__index_t.sql": """
            -- phase: expand
            -- transaction: none
            CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id_idx ON t (id);
            -- rollback:
            DROP INDEX CONCURRENTLY IF EXISTS t_id_idx;
            """])
        try await migrator(target, dir).up()
        #expect(try await SQL.scalar(target, "SELECT (to_regclass('t_id_idx') IS NOT NULL)::text") == "true")
        let plan = try await migrator(target, dir).rollback()
        #expect(plan.files.map(\.version) == [1])
        #expect(try await SQL.scalar(target, "SELECT (to_regclass('t_id_idx') IS NULL)::text") == "true")
        #expect(try await SQL.scalar(target, "SELECT count(*)::text FROM cutover.schema_history") == "0")
        #expect(try await SQL.scalar(target, "SELECT detail FROM cutover.migration_log WHERE action = 'rollback'")?.contains("statement by statement") == true)
    }

    @Test("a lock held by another session: lock_timeout strikes, the file is retried with backoff and then applies")
    func retriesLockTimeouts() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        try await SQL.exec(target, "CREATE TABLE busy (id int)")
        let dir = try folder(["V001__alter_busy.sql": "-- phase: expand\nALTER TABLE busy ADD COLUMN note text;\n"])
        let holder = try await Database.connect(target, logger: logger)
        try await holder.query("BEGIN", logger: logger)
        try await holder.query("LOCK TABLE busy IN ACCESS SHARE MODE", logger: logger)
        let timeouts = MigrationTimeouts(lockTimeoutMilliseconds: 100, lockRetries: 30, baseBackoffMilliseconds: 50, maxBackoffMilliseconds: 200)
        let events = Mutex<[String]>([])
        let m = try migrator(target, dir, timeouts: timeouts)
        async let run: [MigrationFile] = m.up { event in
            if case .lockTimeout(let file, _, let attempt, _, _) = event { events.withLock { $0.append("\(file)#\(attempt)") } }
        }
        // Hold the table until the migrator has hit lock_timeout at least twice (however slow the machine).
        let deadline = ContinuousClock.now + .seconds(30)
        while events.withLock({ $0.count }) < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try await holder.query("COMMIT", logger: logger)
        try await holder.close()
        let applied = try await run
        #expect(applied.map(\.version) == [1])
        let retries = events.withLock { $0 }
        #expect(retries.count >= 2, "expected lock timeouts while the table was held, got \(retries)")
        #expect(retries.allSatisfy { $0.hasPrefix("V001__alter_busy.sql#") })
        #expect(try await SQL.scalar(target, "SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note'") == "1")
    }

    @Test("lock_timeout on every try: gives up with a clear error and records nothing")
    func givesUpAfterRetries() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        try await SQL.exec(target, "CREATE TABLE busy (id int)")
        let dir = try folder(["V001__alter_busy.sql": "-- phase: expand\nALTER TABLE busy ADD COLUMN note text;\n"])
        let holder = try await Database.connect(target, logger: logger)
        try await holder.query("BEGIN", logger: logger)
        try await holder.query("LOCK TABLE busy IN ACCESS SHARE MODE", logger: logger)
        let m = try migrator(target, dir, timeouts: MigrationTimeouts(lockTimeoutMilliseconds: 50, lockRetries: 3, baseBackoffMilliseconds: 10, maxBackoffMilliseconds: 20))
        await #expect {
            try await m.up()
        } throws: { error in
            guard let e = error as? DatabaseError else { return false }
            return e.code == .lockTimeout && e.message.contains("gave up after 3 tries") && e.message.contains("V001__alter_busy.sql")
        }
        try await holder.query("ROLLBACK", logger: logger)
        try await holder.close()
        #expect(try await m.history().isEmpty)
    }

    @Test("a non-transactional file that fails midway resumes at the failed statement; changed done statements are refused")
    func resumesNonTransactional() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        try await SQL.exec(target, "CREATE TABLE runs (n int)", "CREATE TABLE t (id int, c text)")
        let broken = "-- phase: expand\n-- transaction: none\nINSERT INTO runs VALUES (1);\nCREATE INDEX CONCURRENTLY t_c_idx ON t (missing_column);\nINSERT INTO runs VALUES (3);\n"
        let dir = try folder(["V001__concurrent.sql": broken])
        await #expect {
            try await migrator(target, dir).up()
        } throws: { error in
            guard let e = error as? DatabaseError else { return false }
            return e.code == .migrationFailed && e.message.contains("line 4") && e.message.contains("resumes at statement 2 of 3")
        }
        #expect(try await SQL.scalar(target, "SELECT statements_done::text FROM cutover.migration_progress WHERE version = 1") == "1")
        // Fix the failing statement only: the run resumes and statement 1 does not run twice.
        let fixed = broken.replacingOccurrences(of: "missing_column", with: "c")
        try fixed.write(toFile: dir + "/V001__concurrent.sql", atomically: true, encoding: .utf8)
        let events = Mutex<[String]>([])
        try await migrator(target, dir).up { event in
            if case .resuming(_, let from) = event { events.withLock { $0.append("resume@\(from)") } }
        }
        #expect(events.withLock { $0 } == ["resume@2"])
        #expect(try await SQL.column(target, "SELECT n::text AS n_text FROM runs ORDER BY runs.n") == ["1", "3"])
        #expect(try await SQL.scalar(target, "SELECT count(*)::text FROM cutover.migration_progress") == "0")
        #expect(try await migrator(target, dir).history().map(\.version) == [1])

        // A second partly applied file whose completed statement is then edited: refused.
        let second = "-- phase: expand\n-- transaction: none\nINSERT INTO runs VALUES (10);\nSELECT * FROM nowhere;\n"
        try second.write(toFile: dir + "/V002__more.sql", atomically: true, encoding: .utf8)
        await #expect(throws: DatabaseError.self) { try await migrator(target, dir).up() }
        try second.replacingOccurrences(of: "(10)", with: "(11)").replacingOccurrences(of: "nowhere", with: "runs")
            .write(toFile: dir + "/V002__more.sql", atomically: true, encoding: .utf8)
        await #expect {
            try await migrator(target, dir).up()
        } throws: { error in
            (error as? CoreError)?.code == .resumeMismatch && "\(error)".contains("--reset-progress V002")
        }
        let report = try await migrator(target, dir).repair(reason: "undid row 10 by hand", resetProgress: 2)
        #expect(report.progressReset == [2])
        try await SQL.exec(target, "DELETE FROM runs WHERE n = 10")
        try await migrator(target, dir).up()
        let final = try await SQL.column(target, "SELECT n::text AS n_text FROM runs ORDER BY runs.n")
        #expect(final == ["1", "3", "11"], "runs: \(final)")
    }

    @Test("rollback runs sections and U files newest first, stops before a contract file, refuses a file without rollback")
    func rollsBack() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try folder([
            "V001__a.sql": "-- phase: expand\nCREATE TABLE a (id int);\n-- rollback:\nDROP TABLE a;\n",
            "V002__drop_legacy.sql": "-- phase: contract\nCREATE TABLE legacy_gone (id int);\n",
            "V003__b.sql": "-- phase: expand\nCREATE TABLE b (id int);\n\n-- rollback:\nDROP TABLE b;\n",
            "V004__fill_b.sql": "-- phase: migrate\nINSERT INTO b VALUES (1), (2);\n",
            "U004__fill_b.sql": "DELETE FROM b WHERE id IN (1, 2);\n",
            "V005__no_way_back.sql": "-- phase: expand\nCREATE TABLE c (id int);\n",
        ])
        try await migrator(target, dir).up()
        // The newest file has no rollback: refused, nothing changes.
        await #expect {
            try await migrator(target, dir).rollback(to: 1)
        } throws: { error in
            (error as? CoreError)?.code == .missingRollback && "\(error)".contains("U005__no_way_back.sql")
        }
        #expect(try await migrator(target, dir).history().count == 5)
        try "-- phase: expand\nCREATE TABLE c (id int);\n-- rollback:\nDROP TABLE c;\n".write(toFile: dir + "/V005__no_way_back.sql", atomically: true, encoding: .utf8)
        _ = try await migrator(target, dir).repair(reason: "added a rollback section")
        let plan = try await migrator(target, dir).rollback(to: 1)
        #expect(plan.files.map(\.version) == [5, 4, 3])
        #expect(plan.stoppedBefore?.version == 2)
        #expect(try await migrator(target, dir).history().map(\.version) == [1, 2])
        #expect(try await SQL.scalar(target, "SELECT to_regclass('b')::text") == nil)
        await #expect {
            try await migrator(target, dir).rollback()
        } throws: { error in
            (error as? CoreError)?.code == .irreversibleMigration && "\(error)".contains("V002__drop_legacy.sql")
        }
        // Everything rolled back can be applied again.
        try await migrator(target, dir).up()
        #expect(try await SQL.scalar(target, "SELECT count(*)::text FROM b") == "2")
        let actions = try await SQL.column(target, "SELECT action || ':' || coalesce(version::text, '') FROM cutover.migration_log WHERE action IN ('rollback', 'repair') ORDER BY id")
        #expect(actions == ["repair:5", "rollback:5", "rollback:4", "rollback:3"])
    }

    @Test("repeatable files apply after versioned ones and again only when changed")
    func repeatables() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try folder([
            "V001__t.sql": "-- phase: expand\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1), (2);\n",
            "R__t_view.sql": "CREATE OR REPLACE VIEW t_view AS SELECT id FROM t;\n",
        ])
        let events = Mutex<Int>(0)
        try await migrator(target, dir).up { if case .repeatableApplied = $0 { events.withLock { $0 += 1 } } }
        try await migrator(target, dir).up { if case .repeatableApplied = $0 { events.withLock { $0 += 1 } } }
        #expect(events.withLock { $0 } == 1)
        try "CREATE OR REPLACE VIEW t_view AS SELECT id, id * 10 AS tenfold FROM t;\n".write(toFile: dir + "/R__t_view.sql", atomically: true, encoding: .utf8)
        try await migrator(target, dir).up { if case .repeatableApplied = $0 { events.withLock { $0 += 1 } } }
        #expect(events.withLock { $0 } == 2)
        #expect(try await SQL.scalar(target, "SELECT sum(tenfold)::text FROM t_view") == "30")
    }

    @Test("a blackout denies a contract file with the period's name and end; an override with a reason runs it and is recorded")
    func blackouts() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = try folder([
            "V001__t.sql": "-- phase: expand\nCREATE TABLE t (id int);\n",
            "V002__drop_t.sql": "-- phase: contract\nDROP TABLE t;\n",
        ])
        let calendar = try BlackoutCalendarLoader.parse("""
            periods:
              - name: Christmas catering
                every_year: { from: "12-01", to: "12-26" }
                policy: { expand: allow, migrate: throttle, contract: deny }
            """, source: "test.yaml")
        let december10 = CalendarTimeZone.berlin.startOfDay(CivilDate(year: 2026, month: 12, day: 10)) + 36_000
        await #expect {
            try await migrator(target, dir, calendar: calendar, now: december10).up()
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .blackout && e.message.contains("Christmas catering") && e.message.contains("2026-12-27 00:00 CET")
                && e.message.contains("V002__drop_t.sql")
        }
        // Nothing ran, not even the allowed expand file: a run is refused as a whole.
        #expect(try await migrator(target, dir).history().isEmpty)
        try await migrator(target, dir, calendar: calendar, override: "hotfix INC-42", now: december10).up()
        #expect(try await SQL.scalar(target, "SELECT blackout_override FROM cutover.schema_history WHERE version = 2")?.contains("hotfix INC-42") == true)
        #expect(try await SQL.scalar(target, "SELECT detail FROM cutover.migration_log WHERE version = 2 AND action = 'apply'")?.contains("Christmas catering") == true)
    }

    @Test("plan's dry run reports each statement's locks on a scratch copy and drops the copy")
    func dryRunLocks() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        try await SQL.exec(target, "CREATE TABLE existing (id int, note text)")
        let dir = try folder([
            "V001__changes.sql": "-- phase: expand\nCREATE TABLE fresh (id int);\nALTER TABLE existing ADD COLUMN extra text;\nCREATE INDEX existing_note_idx ON existing (note);\n",
            "V002__broken.sql": "-- phase: expand\nALTER TABLE nowhere ADD COLUMN x int;\n",
        ])
        let catalog = try MigrationSource.load(directory: dir)
        // A prefix of its own: other tests' plans create (and drop) scratch databases meanwhile.
        var dryRun = MigrationDryRun(target: target, logger: logger)
        dryRun.scratchPrefix = "cutover_plan_\(UUID().uuidString.prefix(8).lowercased())"
        let reports = try await dryRun.run(catalog.files)
        let first = try #require(reports.first)
        #expect(first.statements.map { $0.locks.map { "\($0.mode) \($0.relation) \($0.isNew)" } } == [
            ["AccessExclusiveLock public.fresh true"],
            ["AccessExclusiveLock public.existing false"],
            ["ShareLock public.existing false"],
        ])
        #expect(reports.last?.statements.last?.error?.contains("nowhere") == true)
        #expect(try await SQL.scalar(target, "SELECT count(*)::text FROM pg_database WHERE datname LIKE '\(dryRun.scratchPrefix)%'") == "0")
        // The target itself is untouched.
        #expect(try await SQL.scalar(target, "SELECT to_regclass('fresh')::text") == nil)
    }

    @Test("plan's dry run shows the lock of DDL that drops its relation: DROP TABLE, DROP VIEW, DROP MATERIALIZED VIEW")
    func dryRunDropLocks() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        try await SQL.exec(target, "CREATE TABLE legacy (id int)", "CREATE TABLE kept (id int)", "CREATE VIEW legacy_view AS SELECT id FROM kept",
                           "CREATE MATERIALIZED VIEW legacy_totals AS SELECT count(*) AS n FROM kept")
        let dir = try folder([
            "V001__drops.sql": "-- phase: contract\nDROP VIEW legacy_view;\nDROP MATERIALIZED VIEW legacy_totals;\nDROP TABLE legacy;\nTRUNCATE kept;\n",
        ])
        let catalog = try MigrationSource.load(directory: dir)
        let reports = try await MigrationDryRun(target: target, logger: logger).run(catalog.files)
        let statements = try #require(reports.first).statements
        #expect(statements.allSatisfy { $0.error == nil }, "\(statements.compactMap(\.error))")
        #expect(statements.map { $0.locks.filter { $0.mode == "AccessExclusiveLock" }.map { "\($0.relation) \($0.isNew)" } } == [
            ["public.legacy_view false"], ["public.legacy_totals false"], ["public.legacy false"], ["public.kept false"],
        ], "\(statements.map { $0.locks.map { "\($0.mode) \($0.relation)" } })")
        #expect(try await SQL.scalar(target, "SELECT to_regclass('legacy')::text") == "legacy")
    }
}
