import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// The blackout calendar fails closed: a configured calendar that cannot be read stops every
/// command consulting it (exit 78 naming the path), only `migrations.blackouts: none` means no
/// blackouts, and relative paths in a configuration file are relative to that file's folder.
@Suite("blackout calendar fails closed", .timeLimit(.minutes(5)))
struct BlackoutFailClosedTests {
    let cli = CLITests()

    /// `root/ops/cutover.yaml` naming `../db/migrations` and `calendar.yaml` (an incident freeze
    /// denying expand today), one expand file, the shipped backfills, and `root/a/b` to run from.
    func project() throws -> (root: String, config: String, workingDirectory: String) {
        let root = NSTemporaryDirectory() + "cutover-blackouts-\(UUID().uuidString)"
        let fm = FileManager.default
        for folder in ["/ops", "/db/migrations", "/a/b"] { try fm.createDirectory(atPath: root + folder, withIntermediateDirectories: true) }
        try fm.copyItem(atPath: TestCluster.migrationsDirectory + "/backfills", toPath: root + "/db/migrations/backfills")
        try "-- phase: expand\nCREATE TABLE freeze_probe (id int);\n".write(toFile: root + "/db/migrations/V001__probe.sql", atomically: true, encoding: .utf8)
        let day = { (offset: Double) in
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate]
            return formatter.string(from: Date().addingTimeInterval(offset * 86_400))
        }
        try """
            timezone: Europe/Berlin
            periods:
              - name: Incident freeze
                dates: { from: "\(day(-1))", to: "\(day(1))" }
                policy: { expand: deny, migrate: deny, contract: deny }
            """.write(toFile: root + "/ops/calendar.yaml", atomically: true, encoding: .utf8)
        try "migrations:\n  directory: ../db/migrations\n  blackouts: calendar.yaml\n".write(toFile: root + "/ops/cutover.yaml", atomically: true, encoding: .utf8)
        return (root, root + "/ops/cutover.yaml", root + "/a/b")
    }

    @Test("relative paths in a config file resolve against its folder, so its calendar applies from any working directory")
    func pathsResolveAgainstConfigFolder() async throws {
        let db = try await TestCluster.shared.freshDatabase()
        let (root, config, elsewhere) = try project()
        let shown = try cli.cutover(["config", "--config", config], directory: elsewhere)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("migrations.directory                  \(root)/db/migrations\n"), "\(shown.stdout)")
        #expect(shown.stdout.contains("migrations.blackouts                  \(root)/ops/calendar.yaml\n"), "\(shown.stdout)")
        let refused = try cli.cutover(["migrate", "up", "--config", config, "--database-url", db.url.urlWithPassword], directory: elsewhere)
        #expect(refused.status == 75 && refused.stderr.contains("Incident freeze"), "\(refused.status): \(refused.stderr)")
        #expect(try await SQL.scalar(db, "SELECT to_regclass('freeze_probe')::text") == nil)
    }

    @Test("a configured calendar that cannot be read stops migrate up, plan, backfill and calendar (exit 78 naming the path); only none means none")
    func missingCalendarStopsEveryCommand() async throws {
        let db = try await TestCluster.shared.freshDatabase()
        let (root, config, elsewhere) = try project()
        try FileManager.default.removeItem(atPath: root + "/ops/calendar.yaml")
        let common = ["--config", config, "--database-url", db.url.urlWithPassword]
        for command in [["migrate", "up"], ["migrate", "plan"], ["backfill", "lead_assignments"], ["calendar"]] {
            let run = try cli.cutover(command + common, directory: elsewhere)
            #expect(run.status == 78, "\(command): \(run.status) \(run.stdout) \(run.stderr)")
            #expect(run.stderr.contains("\(root)/ops/calendar.yaml") && run.stderr.contains("none"), "\(command): \(run.stderr)")
        }
        #expect(try await SQL.scalar(db, "SELECT to_regclass('freeze_probe')::text") == nil)

        // The default calendar (config/blackouts.yaml of the working directory) fails closed too.
        let byDefault = try cli.cutover(["calendar"], directory: elsewhere)
        #expect(byDefault.status == 78 && byDefault.stderr.contains("config/blackouts.yaml"), "\(byDefault.stderr)")

        let none = ["--set", "migrations.blackouts=none"]
        let calendar = try cli.cutover(["calendar"] + common + none, directory: elsewhere)
        #expect(calendar.status == 0 && calendar.stdout.contains("calendar: none (no periods)"), "\(calendar.stdout) \(calendar.stderr)")
        let applied = try cli.cutover(["migrate", "up"] + common + none, directory: elsewhere)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(try await SQL.scalar(db, "SELECT (to_regclass('freeze_probe') IS NOT NULL)::text") == "true", "\(applied.stdout)")
    }
}
