/// A repeatable migration, `R__name.sql`: views and functions that are re-applied whenever the
/// file's checksum changes, after all versioned files of the same run.
public struct RepeatableMigration: Sendable, Equatable {
    /// The name after `R__` (`read_views`).
    public var name: String
    /// The file name on disk.
    public var filename: String
    /// Declared phase (`-- phase:`), `expand` when the header leaves it out.
    public var phase: MigrationPhase
    /// Lowercase hex SHA-256 of the text with line endings normalised.
    public var checksum: String
    /// The statements, run in one transaction.
    public var statements: [SQLStatementSplitter.Statement]

    /// Parses `content` read from `filename` (`R__snake_name.sql`).
    public init(filename: String, content: String) throws(CoreError) {
        let hint = "expected R__<snake_name>.sql, for example R__read_views.sql"
        guard filename.hasPrefix("R__"), filename.hasSuffix(".sql") else {
            throw CoreError(.malformedMigrationName, "\(filename): not a repeatable migration name; \(hint)", context: ["file": filename])
        }
        let name = String(filename.dropFirst(3).dropLast(4))
        guard !name.isEmpty, name.allSatisfy({ $0.isSnakeCaseCharacter }) else {
            throw CoreError(.malformedMigrationName, "\(filename): name \"\(name)\" must be lower-case letters, digits and underscores; \(hint)",
                            context: ["file": filename])
        }
        self.name = name
        self.filename = filename
        let normalized = content.replacingCRLF()
        self.checksum = SHA256.hex(normalized)
        let header: MigrationHeader?
        do {
            header = try MigrationHeader(parsing: normalized, filename: filename)
        } catch where error.code == .malformedMigrationHeader && error.context["line"] == nil && !normalized.contains("-- phase:") {
            // Only a missing phase line means the default; a bad phase or directive is an error.
            header = nil
        }
        self.phase = header?.phase ?? .expand
        do {
            self.statements = try SQLStatementSplitter().split(normalized)
        } catch {
            var e = error
            e.message = "\(filename): \(error.message)"
            e.context["file"] = filename
            throw e
        }
        if statements.isEmpty {
            throw CoreError(.malformedMigrationHeader, "\(filename): the file holds no SQL statement", context: ["file": filename])
        }
        if header?.transactional == false {
            throw CoreError(.malformedMigrationHeader, "\(filename): repeatable migrations always run in one transaction; remove \"-- transaction: none\"",
                            context: ["file": filename])
        }
    }
}
