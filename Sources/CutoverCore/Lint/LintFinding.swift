/// One problem the migration linter found.
public struct LintFinding: Sendable, Equatable, Hashable {
    /// The rule that fired.
    public var rule: LintRule
    /// Error or warning, already resolved for the file's phase.
    public var severity: LintSeverity
    /// The file name as given to the linter.
    public var file: String
    /// 1-based line of the offending token.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the offending token.
    public var column: Int
    /// What is wrong here, naming the table, column or index involved.
    public var message: String
    /// The start of the statement, whitespace collapsed, at most 80 characters.
    public var statement: String

    /// Why the rule exists (``LintRule/explanation``).
    public var explanation: String { rule.explanation }
    /// What to do instead (``LintRule/safeAlternative``).
    public var safeAlternative: String { rule.safeAlternative }

    /// Creates a finding.
    public init(rule: LintRule, severity: LintSeverity, file: String, line: Int, column: Int, message: String, statement: String) {
        self.rule = rule
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.statement = statement
    }

    /// The deterministic report order: file, line, column, rule id.
    public static func reportOrder(_ a: Self, _ b: Self) -> Bool {
        (a.file, a.line, a.column, a.rule.rawValue, a.message) < (b.file, b.line, b.column, b.rule.rawValue, b.message)
    }
}
