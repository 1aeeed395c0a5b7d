/// The directives in the leading comment block of a migration file.
///
/// Directives are comment lines of the form `-- key: value` before the first statement. Known keys:
/// `phase` (required), `transaction` (`file`/`none`, default one transaction per file), `guard`
/// (contract guards) and `description`. Other comments are ordinary comments.
public struct MigrationHeader: Sendable, Equatable {
    /// Directive keys the parser understands.
    public static let knownKeys: Set<String> = ["phase", "transaction", "guard", "description"]

    public var phase: MigrationPhase
    public var transactional: Bool
    public var guards: [String]

    /// Parses the header of `content`; `filename` is used in error messages.
    public init(parsing content: String, filename: String) throws(CoreError) {
        var phase: MigrationPhase?
        var transactional = true
        var guards: [String] = []
        var lineNumber = 0
        for rawLine in content.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = String(rawLine).trimmingWhitespace()
            if line.isEmpty { continue }
            guard line.hasPrefix("--") else { break }
            let body = String(line.dropFirst(2)).trimmingWhitespace()
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = String(body[..<colon]).trimmingWhitespace().lowercased()
            let value = String(body[body.index(after: colon)...]).trimmingWhitespace()
            guard key.allSatisfy({ $0.isSnakeCaseCharacter || $0 == "-" }), !key.contains(" "), !key.isEmpty else { continue }
            // Ordinary comments such as "-- Note: …" are not directives.
            guard Self.knownKeys.contains(key) else { continue }
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
}
