/// A versioned migration file, `V###__snake_name.sql`, parsed and checksummed.
///
/// The first comment lines of the file form its header. `-- phase: expand|migrate|contract` is
/// required; `-- transaction: none` marks a file whose statements must run outside a transaction
/// (for example `CREATE INDEX CONCURRENTLY`).
public struct MigrationFile: Sendable, Equatable {
    /// The version number from the file name (`V007__…` → 7).
    public var version: Int
    /// The descriptive part of the name (`crm_baseline`).
    public var name: String
    /// The file name as found on disk.
    public var filename: String
    /// The declared phase.
    public var phase: MigrationPhase
    /// Whether the statements run inside one transaction (the default) or one by one.
    public var transactional: Bool
    /// The full file text.
    public var sql: String
    /// Lowercase hex SHA-256 of the text with line endings normalised to `\n`.
    public var checksum: String
    /// The forward statements of the file in order (without the rollback section).
    public var statements: [SQLStatementSplitter.Statement]
    /// The statements that undo the file: its `-- rollback:` section, or a `U###__name.sql` file
    /// attached by the catalog. Empty when the file cannot be rolled back.
    public var rollbackStatements: [SQLStatementSplitter.Statement]
    /// Where ``rollbackStatements`` come from: `"section"`, a `U###` file name, or nil.
    public var rollbackSource: String?
    /// The `-- guard:` lines of the header, as written.
    public var guards: [String]

    /// Parses `content` read from `filename`.
    public init(filename: String, content: String) throws(CoreError) {
        let parsedName = try Self.parseName(filename)
        self.version = parsedName.version
        self.name = parsedName.name
        self.filename = filename
        self.sql = content
        let normalized = content.replacingCRLF()
        self.checksum = SHA256.hex(normalized)
        let header = try MigrationHeader(parsing: normalized, filename: filename)
        self.phase = header.phase
        self.transactional = header.transactional
        self.guards = header.guards
        let all: [SQLStatementSplitter.Statement]
        do {
            all = try SQLStatementSplitter().split(normalized)
        } catch {
            var e = error
            e.message = "\(filename): \(error.message)"
            e.context["file"] = filename
            throw e
        }
        if let marker = try RollbackSection.markerLine(in: normalized, statements: all, filename: filename) {
            self.statements = all.filter { $0.line < marker }
            self.rollbackStatements = all.filter { $0.line > marker }
            self.rollbackSource = "section"
            if rollbackStatements.isEmpty {
                throw CoreError(.malformedMigrationHeader, "\(filename):\(marker): the rollback section holds no statement",
                                context: ["file": filename, "line": "\(marker)"])
            }
        } else {
            self.statements = all
            self.rollbackStatements = []
            self.rollbackSource = nil
        }
        if statements.isEmpty {
            throw CoreError(.malformedMigrationHeader, "\(filename): the file holds no SQL statement",
                            context: ["file": filename])
        }
    }

    /// Splits `V012__add_thing.sql` into version 12 and name `add_thing`.
    public static func parseName(_ filename: String) throws(CoreError) -> (version: Int, name: String) {
        let hint = "expected V<number>__<snake_name>.sql, for example V002__add_customer_overview.sql"
        guard filename.hasSuffix(".sql"), filename.first == "V" || filename.first == "v" else {
            throw CoreError(.malformedMigrationName, "\(filename): not a migration file name; \(hint)",
                            context: ["file": filename])
        }
        let stem = filename.dropFirst().dropLast(4)
        guard let sep = stem.firstRange(of: "__") else {
            throw CoreError(.malformedMigrationName, "\(filename): missing \"__\" after the version; \(hint)",
                            context: ["file": filename])
        }
        let versionText = stem[stem.startIndex..<sep.lowerBound]
        let name = String(stem[sep.upperBound...])
        if versionText.uppercased() == "XXX" {
            throw CoreError(.malformedMigrationName,
                            "\(filename): unnumbered migration (VXXX); run `cutover migrate number` to give it the next free version",
                            context: ["file": filename])
        }
        guard !versionText.isEmpty, versionText.allSatisfy({ $0.isASCIIDigitCharacter }), let version = Int(versionText), version > 0 else {
            throw CoreError(.malformedMigrationName, "\(filename): version \"\(versionText)\" is not a positive number; \(hint)",
                            context: ["file": filename])
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isSnakeCaseCharacter }) else {
            throw CoreError(.malformedMigrationName,
                            "\(filename): name \"\(name)\" must be lower-case letters, digits and underscores; \(hint)",
                            context: ["file": filename])
        }
        return (version, name)
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
    var isSnakeCaseCharacter: Bool { ("a"..."z").contains(self) || ("0"..."9").contains(self) || self == "_" }
}

extension String {
    func replacingCRLF() -> String {
        guard utf8.contains(13) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count)
        var previousCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" { previousCR = true; out.unicodeScalars.append("\n"); continue }
            if scalar == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}
