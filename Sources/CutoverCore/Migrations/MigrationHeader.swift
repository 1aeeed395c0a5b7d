/// The directives in the leading comment block of a migration file.
///
/// Directives are comment lines of the form `-- key: value` before the first statement. Known keys:
/// `phase` (required), `transaction` (`file`/`none`, default one transaction per file), `guard`
/// (contract guards) and `description`; `rollback` (the section marker) and `cutover-lint` (a
/// suppression) are understood elsewhere. A single lower-case word before the colon, written
/// `-- word:` (not indented further), is a directive, so an unknown one (`-- gaurd: …`) is an
/// error with a "did you mean"; so is a capitalised word within two edits of a known key
/// (`-- Phse: …`). Prose such as `-- Expand: add only` or an indented continuation line stays a
/// comment. With `strict` off (linting loose `.sql` files that are not migrations) unknown
/// directives are ignored.
public struct MigrationHeader: Sendable, Equatable {
    /// Directive keys the parser understands.
    public static let knownKeys: Set<String> = ["phase", "transaction", "guard", "description"]
    /// Header keys that belong to other parsers (the rollback section marker, lint suppressions).
    public static let otherKeys: Set<String> = ["rollback", "cutover-lint"]

    public var phase: MigrationPhase
    public var transactional: Bool
    public var guards: [String]

    /// Parses the header of `content`; `filename` is used in error messages.
    public init(parsing content: String, filename: String, strict: Bool = true) throws(CoreError) {
        var phase: MigrationPhase?
        var transactional = true
        var guards: [String] = []
        var lineNumber = 0
        for rawLine in content.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = String(rawLine).trimmingWhitespace()
            if line.isEmpty { continue }
            guard line.hasPrefix("--") else { break }
            let indented = line.dropFirst(2).prefix { $0 == " " || $0 == "\t" }.count > 1
            let body = String(line.dropFirst(2)).trimmingWhitespace()
            guard let colon = body.firstIndex(of: ":") else { continue }
            let written = String(body[..<colon]).trimmingWhitespace()
            let key = written.lowercased()
            let value = String(body[body.index(after: colon)...]).trimmingWhitespace()
            guard key.allSatisfy({ $0.isSnakeCaseCharacter || $0 == "-" }), !key.contains(" "), !key.isEmpty else { continue }
            guard Self.knownKeys.contains(key) else {
                // An indented word ("--     granted: …") continues the prose above it.
                if strict, !indented, !Self.otherKeys.contains(key), let error = Self.unknownDirective(written, line: lineNumber, filename: filename) { throw error }
                continue
            }
            switch key {
            case "phase":
                guard let p = MigrationPhase(rawValue: value.lowercased()) else {
                    throw CoreError(.malformedMigrationHeader,
                                    "\(filename):\(lineNumber): unknown phase \"\(value)\"; expected one of expand, migrate, contract",
                                    context: ["file": filename, "line": "\(lineNumber)"])
                }
                if phase != nil {
                    throw CoreError(.malformedMigrationHeader, "\(filename):\(lineNumber): phase declared twice",
                                    context: ["file": filename, "line": "\(lineNumber)"])
                }
                phase = p
            case "transaction":
                switch value.lowercased() {
                case "each", "file", "one": transactional = true
                case "none": transactional = false
                default:
                    throw CoreError(.malformedMigrationHeader,
                                    "\(filename):\(lineNumber): transaction must be \"file\" or \"none\", got \"\(value)\"",
                                    context: ["file": filename, "line": "\(lineNumber)"])
                }
            case "guard":
                do { _ = try ContractGuard(parsing: value) } catch {
                    throw CoreError(.malformedMigrationHeader, "\(filename):\(lineNumber): \(error.message)",
                                    context: ["file": filename, "line": "\(lineNumber)"])
                }
                guards.append(value)
            default:
                break
            }
        }
        guard let phase else {
            throw CoreError(.malformedMigrationHeader,
                            "\(filename): missing header line \"-- phase: expand|migrate|contract\" before the first statement",
                            context: ["file": filename])
        }
        self.phase = phase
        self.transactional = transactional
        self.guards = guards
    }

    /// The error for header key `written`, or nil when it is prose (a capitalised word far from
    /// every known key, such as `Expand` or `Note`).
    static func unknownDirective(_ written: String, line: Int, filename: String) -> CoreError? {
        let key = written.lowercased()
        let keys = knownKeys.union(otherKeys).sorted()
        let suggestion = EditDistance.closest(to: key, among: keys)
        guard written == key || suggestion != nil else { return nil }
        let hint = suggestion.map { "did you mean \"\($0)\"? " } ?? ""
        return CoreError(.malformedMigrationHeader,
                         "\(filename):\(line): unknown directive \"\(written)\"; \(hint)known: \(knownKeys.sorted().joined(separator: ", ")) (a comment that is not a directive needs more than one word before its colon)",
                         context: ["file": filename, "line": "\(line)", "directive": key])
    }
}
