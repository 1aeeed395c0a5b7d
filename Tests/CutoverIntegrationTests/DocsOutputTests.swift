import CutoverCore
import CutoverPostgres
import Foundation
import Testing

/// Command output quoted in docs/ is what a real run prints (durations, ports and times aside).
@Suite("docs quote real output", .timeLimit(.minutes(6)))
struct DocsOutputTests {
    let cli = CLITests()

    @Test("linter.md: the summary of `cutover migrate lint` over the shipped migrations")
    func linterSummary() throws {
        let run = try cli.cutover(["migrate", "lint"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(DocsSnippet.lines(run.stdout).last)
        #expect(DocsSnippet.output(of: "cutover migrate lint", in: try DocsSnippet.doc("linter.md")).first == summary)
    }

    @Test("cutover-guide.md: the files step 1 applies and their count, on a fresh database")
    func guideExpandStep() async throws {
        let db = try await TestCluster.capture.freshDatabase()
        let dir = NSTemporaryDirectory() + "cutover-guide-docs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let root = TestCluster.repositoryRoot
        for file in try FileManager.default.contentsOfDirectory(atPath: root + "/migrations") where file.hasSuffix(".sql") {
            try FileManager.default.copyItem(atPath: "\(root)/migrations/\(file)", toPath: "\(dir)/\(file)")
        }
        let args = ["--database-url", db.url.urlWithPassword, "--set", "migrations.directory=\(dir)", "--set", "migrations.blackouts=none"]
        let guide = try DocsSnippet.doc("cutover-guide.md")
        let first = try cli.cutover(["migrate", "up", "--to", "1"] + args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(DocsSnippet.lines(first.stdout) == DocsSnippet.output(of: "cutover migrate up --to 1", in: guide))

        try FileManager.default.copyItem(atPath: "\(root)/migrations/examples/customer-cutover/V020__legacy_customer_list_index.sql",
                                         toPath: "\(dir)/V020__legacy_customer_list_index.sql")
        let expand = try cli.cutover(["migrate", "up"] + args)
        #expect(expand.status == 0, "\(expand.stderr)")
        // The docs elide progress lines ("  …"); the files, their statement counts and the total must match.
        let shown = { (line: String) in line.hasPrefix("→") || line.hasPrefix("✓") || line.hasPrefix("applied") }
        #expect(DocsSnippet.lines(expand.stdout, keep: shown) == DocsSnippet.output(of: "cutover migrate up", in: guide, after: "## 1. Expand").filter(shown))
    }
}
