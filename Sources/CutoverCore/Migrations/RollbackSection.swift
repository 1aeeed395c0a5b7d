/// Finds the `-- rollback:` line that separates a migration's forward statements from the ones
/// that undo it.
///
/// The marker is a comment line of its own, `-- rollback:` (or `-- rollback`), outside any
/// statement: a line inside a string, a dollar-quoted function body or a statement is not a marker.
enum RollbackSection {
    /// The 1-based line of the marker, or nil when the file has none.
    static func markerLine(in text: String, statements: [SQLStatementSplitter.Statement], filename: String) throws(CoreError) -> Int? {
        var candidates: [Int] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = String(raw).trimmingWhitespace().lowercased()
            guard line.hasPrefix("--") else { continue }
            let body = String(line.dropFirst(2)).trimmingWhitespace()
            if body == "rollback:" || body == "rollback" { candidates.append(number) }
        }
        // A candidate inside a statement (string, body, comment within it) is not a marker.
        let spans = statements.map { ($0.line, $0.line + $0.sql.utf8.reduce(0) { $1 == 10 ? $0 + 1 : $0 }) }
        let markers = candidates.filter { line in !spans.contains { $0.0 <= line && line <= $0.1 } }
        guard let first = markers.first else { return nil }
        if markers.count > 1 {
            throw CoreError(.malformedMigrationHeader,
                            "\(filename):\(markers[1]): a second \"-- rollback:\" line; a file has at most one rollback section",
                            context: ["file": filename, "line": "\(markers[1])"])
        }
        return first
    }
}
