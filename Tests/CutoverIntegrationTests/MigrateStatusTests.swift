import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// `migrate status` accounts for every history row and every file: drifted and missing-file rows
/// count as applied (named), and a drifted row shows when it was applied.
@Suite("migrate status counts", .timeLimit(.minutes(5)))
struct MigrateStatusTests {
    let cli = CLITests()

    @Test("counts include drifted rows and missing files; a drifted row shows its applied time")
    func countsEveryRow() async throws {
        let db = try await TestCluster.shared.freshDatabase()
        let dir = NSTemporaryDirectory() + "cutover-status-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func write(_ name: String, _ sql: String) throws {
            try "-- phase: expand\n\(sql)\n".write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
        }
        try write("V001__a.sql", "CREATE TABLE a (id int);")
        try write("V002__b.sql", "CREATE TABLE b (id int);")
        try write("V003__c.sql", "CREATE TABLE c (id int);")
        let args = ["--database-url", db.url.urlWithPassword, "--set", "migrations.directory=\(dir)", "--set", "migrations.blackouts=none"]
        let up = try cli.cutover(["migrate", "up"] + args)
        #expect(up.status == 0, "\(up.stderr)")
        let clean = try cli.cutover(["migrate", "status"] + args)
        #expect(clean.status == 0 && clean.stdout.contains("expand 3 applied, 0 pending"), "\(clean.stdout)")

        try write("V001__a.sql", "CREATE TABLE a (id bigint);")
        try FileManager.default.removeItem(atPath: dir + "/V002__b.sql")
        try write("V004__d.sql", "CREATE TABLE d (id int);")
        let status = try cli.cutover(["migrate", "status"] + args)
        #expect(status.status == 65, "\(status.stderr)")
        #expect(status.stdout.contains("expand 3 applied (1 checksum drift, 1 file missing), 1 pending"), "\(status.stdout)")
        let drifted = try #require(status.stdout.split(separator: "\n").first { $0.contains("CHECKSUM DRIFT") })
        let appliedBy = try #require(try await SQL.scalar(db, "SELECT applied_by FROM cutover.schema_history WHERE version = 1"))
        #expect(drifted.contains(" by \(appliedBy) ("), "\(drifted)")
    }
}
