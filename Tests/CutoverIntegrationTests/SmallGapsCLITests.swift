import Foundation
import Testing

/// Small command-line gaps: `dev status` on a folder that holds something else, `dev url`
/// without a cluster, `--version`, a negative `calendar --days`.
@Suite("small command-line gaps", .timeLimit(.minutes(2)))
struct SmallGapsCLITests {
    let cli = CLITests()

    @Test("dev status on a foreign folder is absent (exit 4) and says what is there; dev url without a cluster says there is none")
    func devStatusAndURL() throws {
        let foreign = NSTemporaryDirectory() + "cutover-foreign-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try "mine".write(toFile: foreign + "/notes.txt", atomically: true, encoding: .utf8)
        let status = try cli.cutover(["dev", "status", "--set", "dev.dataDirectory=\(foreign)"])
        #expect(status.status == 4, "\(status.status) \(status.stdout) \(status.stderr)")
        #expect(status.stdout.hasPrefix("absent") && status.stdout.contains("is not empty and is not a PostgreSQL cluster"), "\(status.stdout)")

        let nothing = NSTemporaryDirectory() + "cutover-none-\(UUID().uuidString)"
        let url = try cli.cutover(["dev", "url", "--set", "dev.dataDirectory=\(nothing)"])
        #expect(url.status == 69, "\(url.stderr)")
        #expect(url.stderr.contains("there is no dev cluster in \(nothing)") && url.stderr.contains("cutover dev up"), "\(url.stderr)")
        #expect(!url.stderr.contains("not running"), "\(url.stderr)")
    }

    @Test("cutover --version prints the version; calendar --days -3 is a usage error naming the range")
    func versionAndDays() throws {
        let version = try cli.cutover(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(version.stdout)")
        let days = try cli.cutover(["calendar", "--days", "-3"])
        #expect(days.status == 64 && days.stderr.contains("--days must be between 1 and 3650"), "\(days.stderr)")
    }
}

extension SmallGapsCLITests {
    @Test("projections validate names the configured folder and refuses a clock read through a cast (exit 65)")
    func validateNamesConfiguredFolder() throws {
        let dir = NSTemporaryDirectory() + "cutover-read-models-\(UUID().uuidString)"
        try FileManager.default.copyItem(atPath: TestCluster.repositoryRoot + "/projections", toPath: dir)
        let clean = try cli.cutover(["projections", "validate", "--offline", "--set", "projections.directory=\(dir)"])
        #expect(clean.status == 0 && clean.stdout.contains("✓ sample_followups"), "\(clean.stderr)")
        let file = dir + "/sample_followups/recompute.sql"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "WHERE s.id = ANY($1::bigint[])", with: "WHERE s.id = ANY($1::bigint[]) AND s.sent_at < 'now'::timestamptz")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let run = try cli.cutover(["projections", "validate", "--offline", "--set", "projections.directory=\(dir)"])
        #expect(run.status == 65, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("\(dir)/sample_followups/recompute.sql: line 27: uses 'now' cast to a date or time"), "\(run.stderr)")
    }
}
