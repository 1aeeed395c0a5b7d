/// The set of migration files in a project's `migrations/` folder, parsed and ordered.
public struct MigrationCatalog: Sendable, Equatable {
    /// Versioned files in ascending version order.
    public private(set) var files: [MigrationFile]

    /// Parses the given `(filename, content)` pairs. Only `*.sql` names are considered; other
    /// files (README.md, templates folder) are the caller's business to leave out.
    ///
    /// Every malformed file is reported at once: the thrown error lists them all.
    public init(sources: [(filename: String, content: String)]) throws(CoreError) {
        var parsed: [MigrationFile] = []
        var problems: [CoreError] = []
        for source in sources where source.filename.hasSuffix(".sql") {
            do {
                parsed.append(try MigrationFile(filename: source.filename, content: source.content))
            } catch {
                problems.append(error)
            }
        }
        if let first = problems.first {
            if problems.count == 1 { throw first }
            throw CoreError(first.code, problems.map(\.message).joined(separator: "\n"),
                            context: ["problems": "\(problems.count)"])
        }
        parsed.sort { $0.version < $1.version || ($0.version == $1.version && $0.filename < $1.filename) }
        var seen: [Int: String] = [:]
        for file in parsed {
            if let other = seen[file.version] {
                throw CoreError(.duplicateMigrationVersion,
                                "two migration files share version \(file.version): \(other) and \(file.filename); renumber the unapplied one",
                                context: ["version": "\(file.version)", "files": "\(other),\(file.filename)"])
            }
            seen[file.version] = file.filename
        }
        self.files = parsed
    }
}
