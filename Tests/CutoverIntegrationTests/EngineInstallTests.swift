import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// `cutover init` and `cutover upgrade` as the processes users start: the engine's own schema,
/// its version table and the check every command runs on connect.
@Suite("Engine schema: init, upgrade and the version check", .timeLimit(.minutes(5)))
struct EngineInstallTests {
    let cli = CLITests()

    func run(_ db: DatabaseTarget, _ args: [String]) async throws -> CLITests.Run {
        try await cli.offPool(args + ["--database-url", db.url.urlWithPassword])
    }

    @Test("init installs every step with WAL capture and says so; a second init changes nothing; commands before init name the command to run")
    func initOnEmptyDatabase() async throws {
        let db = try await TestCluster.capture.emptyDatabase(prefix: "init")
        let before = try await run(db, ["migrate", "status"])
        #expect(before.status == 78 && before.stderr.contains("not installed in database \(db.url.database); run `cutover init`"), "\(before.status) \(before.stderr)")
        let project = try await run(db, ["projector", "status"])
        #expect(project.status == 78 && project.stderr.contains("run `cutover init`"), "\(project.status) \(project.stderr)")

        let dry = try await run(db, ["init", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("install engine step 1 base") && dry.stdout.contains("nothing was changed"), "\(dry.stdout + dry.stderr)")
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('cutover.engine_version') IS NULL)::text") == "true")

        let first = try await run(db, ["init"])
        #expect(first.status == 0, "\(first.stderr)")
        for step in EngineSchema.steps { #expect(first.stdout.contains("installed engine step \(step.version) \(step.name)"), "\(first.stdout)") }
        #expect(first.stdout.contains("capture: wal (publication cutover_capture, slot cutover_"), "\(first.stdout)")
        #expect(try await SQL.scalar(db, "SELECT string_agg(version || ' ' || name, ',' ORDER BY version) FROM cutover.engine_version") == "1 base,2 readers,3 flags,4 capture,5 views")
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM pg_replication_slots WHERE slot_name = cutover.capture_slot_name()") == "1")
        #expect(try await SQL.scalar(db, "SELECT value FROM cutover.settings WHERE key = 'readers.territories'") == "SELECT code FROM crm.territories")

        let again = try await run(db, ["init"])
        #expect(again.status == 0 && again.stdout.contains("no step to install") && !again.stdout.contains("installed engine step"), "\(again.stdout)")
        let other = try await run(db, ["init", "--capture", "triggers"])
        #expect(other.status == 78 && other.stderr.contains("captures with wal; init cannot switch it to triggers (nothing changed)"), "\(other.stderr)")
        let bad = try await run(db, ["init", "--capture", "logical"])
        #expect(bad.status == 64 && bad.stderr.contains("--capture must be wal or triggers"), "\(bad.stderr)")
        // The application's migrations run after init.
        let migrate = try await run(db, ["migrate", "up"])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let slots = try await SQL.scalar(db, "SELECT count(*)::text FROM pg_replication_slots WHERE database = current_database()")
        #expect(slots == "1")
        try await SQL.exec(db, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()")
    }

    @Test("an older engine names `cutover upgrade`, which installs the missing steps (dry run first); a newer one is refused naming both versions")
    func upgradeAndNewer() async throws {
        let db = try await TestCluster.shared.freshDatabase(prefix: "upgrade")
        // As if the database had been initialised by a binary one step older.
        try await SQL.exec(db, "DELETE FROM cutover.engine_version WHERE version = \(EngineSchema.version)", "DROP FUNCTION cutover.api_read(text, text, text, text, text[])")
        let outdated = try await run(db, ["migrate", "status"])
        #expect(outdated.status == 78 && outdated.stderr.contains("is version \(EngineSchema.version - 1); this binary needs version \(EngineSchema.version). Run `cutover upgrade`"),
                "\(outdated.stderr)")
        let dry = try await run(db, ["upgrade", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("install engine step \(EngineSchema.version) views") && dry.stdout.contains("nothing was changed"), "\(dry.stdout)")
        #expect(try await SQL.scalar(db, "SELECT (to_regprocedure('cutover.api_read(text, text, text, text, text[])') IS NULL)::text") == "true")
        let upgrade = try await run(db, ["upgrade"])
        #expect(upgrade.status == 0 && upgrade.stdout.contains("installed engine step \(EngineSchema.version) views"), "\(upgrade.stdout + upgrade.stderr)")
        #expect(try await SQL.scalar(db, "SELECT (to_regprocedure('cutover.api_read(text, text, text, text, text[])') IS NOT NULL)::text") == "true")
        #expect(try await run(db, ["migrate", "status"]).status == 0)
        let nothing = try await run(db, ["upgrade"])
        #expect(nothing.status == 0 && nothing.stdout.contains("no step to install"), "\(nothing.stdout)")

        try await SQL.exec(db, "INSERT INTO cutover.engine_version (version, name, checksum, binary_version, duration_ms) VALUES (99, 'future', 'x', '9.0.0', 1)")
        for args in [["migrate", "status"], ["upgrade"], ["init"], ["flags", "list"]] {
            let newer = try await run(db, args)
            #expect(newer.status == 78 && newer.stderr.contains("is version 99, newer than this binary's version \(EngineSchema.version) (installed by cutover 9.0.0)"),
                    "\(args): \(newer.status) \(newer.stderr)")
        }

        let empty = try await TestCluster.shared.emptyDatabase(prefix: "noengine")
        let refused = try await run(empty, ["upgrade"])
        #expect(refused.status == 78 && refused.stderr.contains("run `cutover init` (not upgrade)"), "\(refused.stderr)")
    }

    @Test("init completes what an interrupted init left: killed at any moment, or stopped before its settings; two at once both succeed and install each step once")
    func interruptedAndConcurrent() async throws {
        let db = try await TestCluster.shared.emptyDatabase(prefix: "killed")
        let root = NSTemporaryDirectory() + "cutover-init-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let killed = try Subprocess(CLITests.binary, ["init", "--capture", "triggers", "--database-url", db.url.urlWithPassword], logPath: root + "/init.log")
        try await Task.sleep(for: .milliseconds(150))
        killed.kill(SIGKILL)
        _ = await killed.waitForExit(within: .seconds(10))
        let rerun = try await run(db, ["init", "--capture", "triggers"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM cutover.engine_version") == "\(EngineSchema.version)")
        #expect(try await run(db, ["migrate", "status"]).status == 0)

        // Steps in, settings not (the process died between them).
        try await SQL.exec(db, "DELETE FROM cutover.settings WHERE key = 'capture.mode'")
        let unfinished = try await run(db, ["migrate", "status"])
        #expect(unfinished.status == 78 && unfinished.stderr.contains("`cutover init` did not finish"), "\(unfinished.stderr)")
        #expect(try await run(db, ["init", "--capture", "triggers"]).status == 0)
        #expect(try await run(db, ["migrate", "status"]).status == 0)

        let both = try await TestCluster.shared.emptyDatabase(prefix: "twice")
        let first = try Subprocess(CLITests.binary, ["init", "--capture", "triggers", "--database-url", both.url.urlWithPassword], logPath: root + "/first.log")
        let second = try Subprocess(CLITests.binary, ["init", "--capture", "triggers", "--database-url", both.url.urlWithPassword], logPath: root + "/second.log")
        let statuses = [await first.waitForExit(within: .seconds(60)), await second.waitForExit(within: .seconds(60))]
        #expect(statuses == [0, 0], "\(first.output)\n\(second.output)")
        #expect(try await SQL.scalar(both, "SELECT count(*)::text FROM cutover.engine_version") == "\(EngineSchema.version)")
        let outputs = first.output + second.output
        #expect(outputs.components(separatedBy: "installed engine step 1 base").count == 2, "\(outputs)")
    }

    @Test("WAL capture refuses, changing nothing, on a server with wal_level = replica (naming the setting and --capture triggers) and for a role without REPLICATION (with the ALTER ROLE hint)")
    func walPrerequisites() async throws {
        let replica = try await TestCluster.replicaLevel.emptyDatabase(prefix: "replica")
        let refused = try await run(replica, ["init"])
        #expect(refused.status == 78 && refused.stderr.contains("needs wal_level = logical; this server has wal_level = replica. Nothing was changed")
                && refused.stderr.contains("cutover init --capture triggers"), "\(refused.stderr)")
        #expect(try await SQL.scalar(replica, "SELECT (to_regnamespace('cutover') IS NULL)::text") == "true")
        let triggers = try await run(replica, ["init", "--capture", "triggers"])
        #expect(triggers.status == 0 && triggers.stdout.contains("capture: triggers"), "\(triggers.stdout + triggers.stderr)")

        let db = try await TestCluster.capture.emptyDatabase(prefix: "norepl")
        let role = "norepl_\(UUID().uuidString.prefix(6).lowercased())"
        try await SQL.exec(db, "CREATE ROLE \(role) LOGIN PASSWORD 'secret' NOREPLICATION", "GRANT CREATE ON DATABASE \(db.url.database) TO \(role)")
        var url = db.url
        url.user = role
        url.password = "secret"
        let denied = try await cli.offPool(["init", "--database-url", url.urlWithPassword])
        #expect(denied.status == 78 && denied.stderr.contains("role \(role) has neither") && denied.stderr.contains("ALTER ROLE \(role) REPLICATION"), "\(denied.stderr)")
        #expect(try await SQL.scalar(db, "SELECT (to_regnamespace('cutover') IS NULL)::text") == "true")
    }

    @Test("creating the slot waits for the cluster's open transactions only so long, then names the oldest; the rerun completes")
    func slotWaitBounded() async throws {
        let db = try await TestCluster.capture.emptyDatabase(prefix: "slotwait")
        let holder = try await Database.connect(db, logger: TestCluster.logger)
        _ = try await holder.query("BEGIN", logger: TestCluster.logger)
        _ = try await holder.query("SELECT pg_current_xact_id()", logger: TestCluster.logger)
        var installer = EngineInstaller(target: db, binaryVersion: "test", logger: TestCluster.logger)
        installer.slotWaitSeconds = 2
        let message: String
        do {
            _ = try await installer.install(capture: .wal, directory: ReaderDirectory())
            message = "no error"
        } catch {
            message = "\(error)"
        }
        _ = try await holder.query("ROLLBACK", logger: TestCluster.logger)
        try await holder.close()
        #expect(message.contains("creating the capture slot waits for every transaction open in the cluster and gave up after 2 s; the oldest is pid")
                && message.contains("run cutover init again"), "\(message)")
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM pg_replication_slots WHERE database = current_database()") == "0")
        // The rerun with the default bound: the suite's other tests open transactions in the same
        // cluster, which the slot waits for too (2 s was too short for the rerun in a loaded run).
        installer.slotWaitSeconds = EngineInstaller(target: db, binaryVersion: "test", logger: TestCluster.logger).slotWaitSeconds
        _ = try await installer.install(capture: .wal, directory: ReaderDirectory())
        #expect(try await SQL.scalar(db, "SELECT count(*)::text FROM pg_replication_slots WHERE database = current_database()") == "1")
        try await SQL.exec(db, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()")
    }
}
