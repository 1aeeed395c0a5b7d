/// A migrate-phase data move declared in SQL: `migrations/backfills/<name>.sql`.
///
/// The file starts with `-- key: value` directives and then holds exactly one statement that
/// moves one batch (see ``BackfillStatement``):
///
/// ```sql
/// -- backfill: lead_assignments              required, equals the file name
/// -- description: …                           optional
/// -- source: crm.lead_protections            required: the driving table
/// -- key: customer_id                        required: its integer key column, paginated on
/// -- partition: (SELECT … WHERE … = src.customer_id)   optional: expression over the source row `src`
/// -- partitions: SELECT code FROM crm.territories ORDER BY code   required with partition: the order
/// -- batch-size: 2500                         optional (default 2500)
/// -- lock-timeout-ms: 500                     optional (default 500)
/// -- statement-timeout-ms: 30000              optional (default 30000)
/// INSERT … WHERE key > :from_key AND key <= :to_key [AND partition = :partition] …;
/// ```
///
/// Comment lines in the header that look like a directive (`-- word: …`) must be one; prose
/// comments (`-- Fills the table …`) are fine anywhere.
public struct BackfillDefinition: Sendable, Equatable {
    /// The directives a definition may use.
    public static let knownDirectives = ["backfill", "description", "source", "key", "partition", "partitions",
                                         "batch-size", "lock-timeout-ms", "statement-timeout-ms"]
    /// The batch size when the file does not say.
    /// 2,500 rows: a batch holds its row locks about 20 ms (p50); 5,000 rows peaked at 95–112 ms.
    public static let defaultBatchSize = 2500

    /// The backfill's name (the file name without `.sql`).
    public var name: String
    /// The file name as found on disk.
    public var filename: String
    public var description: String
    /// The driving table, `schema.table` or `table`.
    public var source: String
    /// Its integer key column.
    public var key: String
    /// A SQL expression over the source row (aliased `src`) naming its partition, if the backfill can run by partition.
    public var partition: String?
    /// A query listing the partitions in the order they are processed.
    public var partitionsQuery: String?
    public var batchSize: Int
    public var lockTimeoutMilliseconds: Int
    public var statementTimeoutMilliseconds: Int
    /// The batch statement.
    public var statement: BackfillStatement
    /// Lowercase hex SHA-256 of the file with line endings normalised: a run refuses to continue
    /// the progress of a different definition.
    public var checksum: String

    /// Parses `content` read from `filename` (`<name>.sql`).
    public init(filename: String, content: String) throws(CoreError) {
        guard filename.hasSuffix(".sql") else {
            throw CoreError(.invalidBackfillDirective, "\(filename): a backfill file must be named <name>.sql", context: ["file": filename])
        }
        let stem = String(filename.dropLast(4))
        let normalized = content.replacingCRLF()
        let directives = try Self.directives(normalized, filename: filename)
        func value(_ key: String) -> String? { directives[key]?.value }
        func required(_ key: String) throws(CoreError) -> String {
            guard let v = value(key), !v.isEmpty else {
                throw CoreError(.missingBackfillDirective, "\(filename): missing header line \"-- \(key): …\"",
                                context: ["file": filename, "directive": key])
            }
            return v
        }
        func invalid(_ key: String, _ why: String) -> CoreError {
            let line = directives[key].map { ":\($0.line)" } ?? ""
            return CoreError(.invalidBackfillDirective, "\(filename)\(line): \(key): \(why)", context: ["file": filename, "directive": key])
        }
        func number(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(CoreError) -> Int {
            guard let text = value(key) else { return fallback }
            guard let n = Int(text), range.contains(n) else {
                throw invalid(key, "\"\(text)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return n
        }

        let declared = try required("backfill")
        guard declared == stem else { throw invalid("backfill", "\"\(declared)\" does not match the file name \(stem).sql") }
        guard !stem.isEmpty, stem.allSatisfy({ $0.isSnakeCaseCharacter }) else {
            throw invalid("backfill", "the name must be lower-case letters, digits and underscores")
        }
        self.name = stem
        self.filename = filename
        self.description = value("description") ?? ""
        self.source = try required("source")
        guard Self.isQualifiedIdentifier(source) else { throw invalid("source", "\"\(source)\" is not a table name such as crm.lead_protections") }
        self.key = try required("key")
        guard Self.isIdentifier(key) else { throw invalid("key", "\"\(key)\" is not a column name") }
        self.partition = value("partition")
        self.partitionsQuery = value("partitions")
        if partition != nil, partitionsQuery == nil {
            throw CoreError(.missingBackfillDirective,
                            "\(filename): a partitioned backfill needs \"-- partitions: SELECT …\" listing the partitions in order",
                            context: ["file": filename, "directive": "partitions"])
        }
        if partition == nil, partitionsQuery != nil { throw invalid("partitions", "only allowed together with \"-- partition: …\"") }
        self.batchSize = try number("batch-size", default: Self.defaultBatchSize, range: 1...1_000_000)
        self.lockTimeoutMilliseconds = try number("lock-timeout-ms", default: 500, range: 1...600_000)
        self.statementTimeoutMilliseconds = try number("statement-timeout-ms", default: 30_000, range: 1...3_600_000)

        let statements: [SQLStatementSplitter.Statement]
        do {
            statements = try SQLStatementSplitter().split(normalized)
        } catch {
            var e = error
            e.message = "\(filename): \(error.message)"
            e.context["file"] = filename
            throw e
        }
        guard statements.count == 1 else {
            throw CoreError(.backfillStatementCount,
                            "\(filename): a backfill holds exactly one statement, found \(statements.count)\(statements.count > 1 ? " (lines \(statements.map { "\($0.line)" }.joined(separator: ", ")))" : "")",
                            context: ["file": filename])
        }
        self.statement = try BackfillStatement(parsing: statements[0].sql, filename: filename)
        for needed in [BackfillStatement.Placeholder.fromKey, .toKey] where !statement.parameters.contains(needed) {
            throw CoreError(.backfillPlaceholder,
                            "\(filename): the statement does not use :\(needed.rawValue); it must move exactly the keys in (:from_key, :to_key]",
                            context: ["file": filename, "placeholder": needed.rawValue])
        }
        if partition != nil, !statement.parameters.contains(.partition) {
            throw CoreError(.backfillPlaceholder,
                            "\(filename): the backfill declares a partition but its statement does not use :partition",
                            context: ["file": filename, "placeholder": "partition"])
        }
        if partition == nil, statement.parameters.contains(.partition) {
            throw CoreError(.backfillPlaceholder,
                            "\(filename): the statement uses :partition but the header declares no \"-- partition: …\"",
                            context: ["file": filename, "placeholder": "partition"])
        }
        self.checksum = SHA256.hex(normalized)
    }

    /// The header directives: leading comment lines of the form `-- word: value`.
    static func directives(_ content: String, filename: String) throws(CoreError) -> [String: (value: String, line: Int)] {
        var found: [String: (value: String, line: Int)] = [:]
        var lineNumber = 0
        for rawLine in content.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = String(rawLine).trimmingWhitespace()
            if line.isEmpty { continue }
            guard line.hasPrefix("--") else { break }
            let body = String(line.dropFirst(2)).trimmingWhitespace()
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = String(body[..<colon]).lowercased()
            // Prose ("-- Why this exists: …") is not a directive; a single word before the colon is.
            guard !key.isEmpty, key.allSatisfy({ $0.isSnakeCaseCharacter || $0 == "-" }) else { continue }
            guard knownDirectives.contains(key) else {
                throw CoreError(.unknownBackfillDirective,
                                "\(filename):\(lineNumber): unknown directive \"\(key)\"; known: \(knownDirectives.joined(separator: ", "))",
                                context: ["file": filename, "line": "\(lineNumber)", "directive": key])
            }
            if found[key] != nil {
                throw CoreError(.invalidBackfillDirective, "\(filename):\(lineNumber): \(key) declared twice",
                                context: ["file": filename, "line": "\(lineNumber)", "directive": key])
            }
            found[key] = (String(body[body.index(after: colon)...]).trimmingWhitespace(), lineNumber)
        }
        return found
    }

    static func isIdentifier(_ text: some StringProtocol) -> Bool {
        guard let first = text.first, first == "_" || ("a"..."z").contains(first) else { return false }
        return text.allSatisfy { $0.isSnakeCaseCharacter }
    }

    static func isQualifiedIdentifier(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { isIdentifier($0) }
    }
}
