import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// Adopting a database that has a schema of its own: `migrate baseline` records the files that
/// describe it as applied without running them (audited), and `migrate up` continues after them.
@Suite("migrate baseline", .timeLimit(.minutes(3)))
struct MigrateBaselineTests {
    let cli = CLITests()

    @Test("an existing schema: baseline records V001–V002 unrun and audited, up applies V003 only; bad input is refused and changes nothing")
    func adoptExistingSchema() async throws {
        let target = try await TestCluster.shared.freshDatabase()
        let dir = NSTemporaryDirectory() + "cutover-baseline-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/migrations", withIntermediateDirectories: true)
        try "migrations:\n  directory: \(dir)/migrations\n  blackouts: none\n".write(toFile: dir + "/cutover.yaml", atomically: true, encoding: .utf8)
        try "-- phase: expand\nCREATE TABLE shop_orders (id bigint PRIMARY KEY, total numeric NOT NULL);\n"
            .write(toFile: dir + "/migrations/V001__shop_orders.sql", atomically: true, encoding: .utf8)
        try "-- phase: expand\nCREATE TABLE shop_customers (id bigint PRIMARY KEY);\n"
            .write(toFile: dir + "/migrations/V002__shop_customers.sql", atomically: true, encoding: .utf8)
        try "-- phase: expand\nALTER TABLE shop_orders ADD COLUMN note text;\n"
            .write(toFile: dir + "/migrations/V003__order_note.sql", atomically: true, encoding: .utf8)
        // The team's schema exists already, made without Cutover: running V001 again would fail.
        try await SQL.exec(target, "CREATE TABLE shop_orders (id bigint PRIMARY KEY, total numeric NOT NULL)",
                           "CREATE TABLE shop_customers (id bigint PRIMARY KEY)")
        let args = ["--config", dir + "/cutover.yaml", "--database-url", target.url.urlWithPassword]

        let noReason = try cli.cutover(["migrate", "baseline", "--version", "V002"] + args, directory: dir)
        #expect(noReason.status == 64 && noReason.stderr.contains("--reason"), "\(noReason.stderr)")
        let unknown = try cli.cutover(["migrate", "baseline", "--version", "V007", "--reason", "x"] + args, directory: dir)
        #expect(unknown.status == 64 && unknown.stderr.contains("V007 is no versioned file"), "\(unknown.stderr)")
        #expect(try await SQL.scalar(target, "SELECT ((SELECT count(*) FROM cutover.schema_history) + (SELECT count(*) FROM cutover.migration_log))::text") == "0",
                "refusals touch nothing")

        let baseline = try cli.cutover(["migrate", "baseline", "--version", "V002", "--reason", "existing shop schema"] + args, directory: dir)
        #expect(baseline.status == 0, "\(baseline.stderr)")
        #expect(baseline.stdout.contains("recorded V001__shop_orders.sql [expand] as applied (not run)")
                && baseline.stdout.contains("recorded V002__shop_customers.sql") && baseline.stdout.contains("baseline: 2 file(s)"), "\(baseline.stdout)")
        #expect(try await SQL.column(target, "SELECT action || ' ' || filename || ' ' || detail FROM cutover.migration_log ORDER BY id") == [
            "baseline V001__shop_orders.sql recorded as applied without running it: existing shop schema",
            "baseline V002__shop_customers.sql recorded as applied without running it: existing shop schema",
        ])
        let again = try cli.cutover(["migrate", "baseline", "--version", "V002", "--reason", "again"] + args, directory: dir)
        #expect(again.status == 0 && again.stdout.contains("nothing to record"), "\(again.stdout)")

        let up = try cli.cutover(["migrate", "up"] + args, directory: dir)
        #expect(up.status == 0 && up.stdout.contains("V003__order_note.sql") && !up.stdout.contains("→ V001"), "\(up.stdout) \(up.stderr)")
        #expect(try await SQL.scalar(target, "SELECT count(*)::text FROM information_schema.columns WHERE table_name = 'shop_orders' AND column_name = 'note'") == "1")
        let status = try cli.cutover(["migrate", "status"] + args, directory: dir)
        #expect(status.status == 0 && status.stdout.contains("(baseline)"), "\(status.stdout)")

        let late = try cli.cutover(["migrate", "baseline", "--version", "V001", "--reason", "late"] + args, directory: dir)
        #expect(late.status == 0 && late.stdout.contains("nothing to record"), "every file up to V001 is applied: \(late.stdout) \(late.stderr)")
    }
}
