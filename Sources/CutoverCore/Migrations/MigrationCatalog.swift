/// The set of migration files in a project's `migrations/` folder, parsed and ordered.
///
/// Three kinds of file: versioned `V###__name.sql` (applied once, in order), undo `U###__name.sql`
/// (the rollback of the versioned file with the same number, instead of a `-- rollback:` section)
/// and repeatable `R__name.sql` (re-applied when changed).
public struct MigrationCatalog: Sendable, Equatable {
    /// Versioned files in ascending version order, with their rollback statements attached.
    public private(set) var files: [MigrationFile]
    /// Repeatable files in name order.
    public private(set) var repeatables: [RepeatableMigration]

    /// Parses the given `(filename, content)` pairs. Only `*.sql` names are considered; other
    /// files (README.md, templates folder) are the caller's business to leave out.
    ///
    /// Every malformed file is reported at once: the thrown error lists them all.
    public init(sources: [(filename: String, content: String)]) throws(CoreError) {
        var parsed: [MigrationFile] = []
        var repeatables: [RepeatableMigration] = []
        var undo: [(version: Int, filename: String, statements: [SQLStatementSplitter.Statement])] = []
        var problems: [CoreError] = []
        for source in sources where source.filename.hasSuffix(".sql") {
            do {
                if source.filename.hasPrefix("R__") {
                    repeatables.append(try RepeatableMigration(filename: source.filename, content: source.content))
                } else if source.filename.first == "U" || source.filename.first == "u" {
                    undo.append(try Self.parseUndo(filename: source.filename, content: source.content))
                } else {
                    parsed.append(try MigrationFile(filename: source.filename, content: source.content))
                }
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
                                "two migration files share version \(file.version): \(other) and \(file.filename); run `cutover migrate number` to renumber the unapplied one",
                                context: ["version": "\(file.version)", "files": "\(other),\(file.filename)"])
            }
            seen[file.version] = file.filename
        }
        for u in undo {
            guard let index = parsed.firstIndex(where: { $0.version == u.version }) else {
                throw CoreError(.malformedMigrationName, "\(u.filename): no V\(String(u.version).leftPadded(3)) file for this undo file to roll back",
                                context: ["file": u.filename])
            }
            if let source = parsed[index].rollbackSource {
                throw CoreError(.malformedMigrationHeader,
                                "\(u.filename): \(parsed[index].filename) already has a rollback (\(source == "section" ? "its -- rollback: section" : source)); keep one",
                                context: ["file": u.filename])
            }
            parsed[index].rollbackStatements = u.statements
            parsed[index].rollbackSource = u.filename
        }
        self.files = parsed
        self.repeatables = repeatables.sorted { $0.filename < $1.filename }
    }

    /// Parses `U###__name.sql`: the version from the name, every statement is rollback.
    static func parseUndo(filename: String, content: String) throws(CoreError) -> (version: Int, filename: String, statements: [SQLStatementSplitter.Statement]) {
        let asVersioned = "V" + filename.dropFirst()
        let parsedName: (version: Int, name: String)
        do {
            parsedName = try MigrationFile.parseName(asVersioned)
        } catch {
            throw CoreError(.malformedMigrationName, "\(filename): expected U<number>__<snake_name>.sql matching its V file",
                            context: ["file": filename])
        }
        let statements: [SQLStatementSplitter.Statement]
        do {
            statements = try SQLStatementSplitter().split(content.replacingCRLF())
        } catch {
            throw CoreError(error.code, "\(filename): \(error.message)", context: ["file": filename])
        }
        if statements.isEmpty {
            throw CoreError(.malformedMigrationHeader, "\(filename): the undo file holds no SQL statement", context: ["file": filename])
        }
        return (parsedName.version, filename, statements)
    }
}

extension String {
    /// The text padded on the left with zeros to `width` characters.
    public func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
