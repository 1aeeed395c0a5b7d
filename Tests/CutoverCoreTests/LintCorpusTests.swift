import CutoverCore
import Foundation
import Testing

/// The corpus in Tests/lint-corpus (also used by scripts/squawk-compare.sh) and the shipped migrations.
extension LinterTests {
    @Suite("corpus and shipped migrations")
    struct Corpus {
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        static let corpus = root.appendingPathComponent("Tests/lint-corpus")

        static func corpusFiles() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []).filter { $0.hasSuffix(".sql") }.sorted()
        }

        @Test("the corpus holds enough cases")
        func corpusSize() {
            #expect(Self.corpusFiles().count >= 30)
        }

        @Test("each corpus file yields exactly the rule ids its `-- expect:` line names", arguments: corpusFiles())
        func corpusFile(_ name: String) throws {
            let sql = try String(contentsOf: Self.corpus.appendingPathComponent(name), encoding: .utf8)
            let expectLine = try #require(sql.split(separator: "\n").first { $0.hasPrefix("-- expect:") }, "\(name) has no -- expect: line")
            let expected = expectLine.dropFirst("-- expect:".count).split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0 != "none" && !$0.isEmpty }.sorted()
            for id in expected { #expect(LintRule(rawValue: id) != nil, "\(name): unknown rule id \(id)") }
            let header = try MigrationHeader(parsing: sql, filename: name, strict: false)  // `-- expect:` is the corpus's own line
            let found = MigrationLinter().lint(filename: name, sql: sql, phase: header.phase, transactional: header.transactional)
            #expect(found.map(\.rule.id).sorted() == expected, "\(name): \(found.map { "\($0.line):\($0.column) \($0.rule.id) \($0.message)" })")
        }

        @Test("the shipped migrations lint without errors")
        func shippedMigrations() throws {
            let folder = Self.root.appendingPathComponent("migrations")
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
            let catalog = try MigrationCatalog(sources: try names.map { ($0, try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)) })
            #expect(catalog.files.count >= 4)
            for file in catalog.files {
                let errors = MigrationLinter().lint(file).filter { $0.severity == .error }
                #expect(errors.isEmpty, "\(file.filename): \(errors.map { "\($0.line) \($0.rule.id) \($0.message)" })")
            }
        }
    }
}
