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
    /// Every problem is reported at once: malformed files, duplicate versions, undo files without
    /// their `V` file and second rollbacks; the thrown error lists them all.
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
        parsed.sort { $0.version < $1.version || ($0.version == $1.version && $0.filename < $1.filename) }
        var seen: [Int: String] = [:]
        for file in parsed {
            if let other = seen[file.version] {
                problems.append(CoreError(.duplicateMigrationVersion,
                                          "two migration files share version \(file.version): \(other) and \(file.filename); run `cutover migrate number` to renumber the unapplied one",
                                          context: ["version": "\(file.version)", "files": "\(other),\(file.filename)"]))
            } else {
                seen[file.version] = file.filename
            }
        }
        // Undo files are matched by version, so an unnumbered or malformed V file that failed to
        // parse still counts as present: its undo file is not reported as an orphan as well.
        let unparsedVersions = Set(sources.filter { $0.filename.first == "V" || $0.filename.first == "v" }.compactMap { source -> Int? in
            guard source.filename.hasSuffix(".sql"), !parsed.contains(where: { $0.filename == source.filename }) else { return nil }
            return MigrationNumbering.version(of: source.filename)
        })
        for u in undo {
            guard let index = parsed.firstIndex(where: { $0.version == u.version }) else {
                if !unparsedVersions.contains(u.version) {
                    problems.append(CoreError(.malformedMigrationName, "\(u.filename): no V\(String(u.version).leftPadded(3)) file for this undo file to roll back",
                                              context: ["file": u.filename]))
                }
                continue
            }
            if let source = parsed[index].rollbackSource {
                problems.append(CoreError(.malformedMigrationHeader,
                                          "\(u.filename): \(parsed[index].filename) already has a rollback (\(source == "section" ? "its -- rollback: section" : source)); keep one",
                                          context: ["file": u.filename]))
                continue
            }
            parsed[index].rollbackStatements = u.statements
            parsed[index].rollbackSource = u.filename
        }
        // Every problem of the folder at once, in one error (the first one's code).
        if let first = problems.first {
            if problems.count == 1 { throw first }
            throw CoreError(first.code, problems.map(\.message).joined(separator: "\n"),
                            context: ["problems": "\(problems.count)"])
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
