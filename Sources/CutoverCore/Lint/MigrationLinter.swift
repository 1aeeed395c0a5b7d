/// A phase-aware linter for migration SQL: finds DDL that locks or rewrites busy tables, breaks
/// running application versions, or cannot run the way the file is executed.
///
/// Pure logic on tokens (see ``SQLLexer``): text inside strings, comments and dollar-quoted bodies
/// never fires a rule. Tables created earlier in the same file count as new: rules about locking
/// or rewriting existing tables do not fire on them. See `docs/linter.md` for every rule.
public struct MigrationLinter: Sendable {
    /// Whether the runner applying the files already sets a non-zero `lock_timeout` for every
    /// file. `cutover migrate up` does not (yet), so the default is `false`: a file that locks an
    /// existing table must set `lock_timeout` itself. When `true`, ``LintRule/lockTimeoutMissing``
    /// only fires when a file switches the timeout off before such a statement.
    public var runnerSetsLockTimeout: Bool

    /// Creates a linter.
    public init(runnerSetsLockTimeout: Bool = false) {
        self.runnerSetsLockTimeout = runnerSetsLockTimeout
    }

    /// Lints a parsed migration file using its phase, transaction mode and file name.
    public func lint(_ file: MigrationFile) -> [LintFinding] {
        lint(filename: file.filename, sql: file.sql, phase: file.phase, transactional: file.transactional)
    }

    /// Lints arbitrary SQL as if it were a migration of `phase`, run in one transaction when
    /// `transactional` is true. Findings come sorted by line, column and rule id. Text that cannot
    /// be tokenised yields one ``LintRule/unparsableSQL`` finding.
    ///
    /// A `-- rollback:` section is not linted: undoing an expand step means dropping what it added.
    public func lint(filename: String, sql: String, phase: MigrationPhase, transactional: Bool) -> [LintFinding] {
        var source = sql.replacingCRLF()
        if let statements = try? SQLStatementSplitter().split(source),
           let marker = try? RollbackSection.markerLine(in: source, statements: statements, filename: filename) {
            source = source.split(separator: "\n", omittingEmptySubsequences: false).prefix(marker - 1).joined(separator: "\n")
        }
        let tokens: [SQLToken]
        do {
            tokens = try SQLLexer().tokenize(source)
        } catch {
            let line = Int(error.context["line"] ?? "") ?? 1
            return [LintFinding(rule: .unparsableSQL, severity: .error, file: filename, line: line, column: 1,
                                message: error.message, statement: "")]
        }
        let (statements, comments) = LintStatement.split(tokens, source: source)
        var pass = Pass(phase: phase, transactional: transactional, runnerSetsLockTimeout: runnerSetsLockTimeout)
        for statement in statements {
            pass.check(statement)
        }
        let suppressions = LintSuppressions(comments: comments, statements: statements)
        var findings: [LintFinding] = []
        for raw in pass.findings + suppressions.problems {
            if let index = raw.statement, suppressions.suppresses(raw.rule, statement: index) { continue }
            guard let severity = raw.rule.severity(in: phase) else { continue }
            let excerpt = raw.statement.map { statements[$0].excerpt } ?? ""
            findings.append(LintFinding(rule: raw.rule, severity: severity, file: filename, line: raw.token.line,
                                        column: raw.token.column, message: raw.message, statement: excerpt))
        }
        return findings.sorted(by: LintFinding.reportOrder)
    }
}

/// A finding before suppressions and phase severities are applied.
struct RawFinding {
    var rule: LintRule
    var token: SQLToken
    /// The statement it belongs to; `nil` for findings about comments.
    var statement: Int?
    var message: String
}

extension MigrationLinter {
    /// The state of one run over a file's statements, in order.
    struct Pass {
        let phase: MigrationPhase
        let transactional: Bool
        let runnerSetsLockTimeout: Bool
        var findings: [RawFinding] = []
        /// The statement being checked.
        var statement = LintStatement(index: 0, tokens: [], excerpt: "")
        /// Tables created in this file (keys of ``QualifiedName``).
        var newTables: Set<String> = []
        /// Indexes created in this file (last name part).
        var newIndexes: Set<String> = []
        /// Whether a BEGIN … COMMIT block is open in a `transaction: none` file.
        var explicitTransaction = false
        var lockTimeout = LockTimeoutState.unset
        var lockTimeoutReported = false
        /// Enum values added in the still-open transaction → the ADD VALUE token.
        var addedEnumValues: [String: SQLToken] = [:]
        var reportedEnumValues: Set<String> = []
        /// `table|column` pairs proven NOT NULL by a validated CHECK (col IS NOT NULL) in this file.
        var provenNotNull: Set<String> = []
        /// NOT VALID `CHECK (col IS NOT NULL)` constraints by name → `table|column`.
        var pendingNotNullChecks: [String: String] = [:]
        /// Constraints added NOT VALID in the still-open transaction → the rule a same-transaction
        /// VALIDATE falls under (the ADD's strong lock is held until commit, so nothing is gained).
        var notValidInTransaction: [String: LintRule] = [:]

        enum LockTimeoutState {
            case unset
            /// Set to a non-zero value; `local` when by SET LOCAL (ends with the transaction).
            case set(local: Bool)
            /// Set to 0, DEFAULT or RESET at this token.
            case disabled(SQLToken)
        }

        init(phase: MigrationPhase, transactional: Bool, runnerSetsLockTimeout: Bool) {
            self.phase = phase
            self.transactional = transactional
            self.runnerSetsLockTimeout = runnerSetsLockTimeout
        }

        /// Whether statements now run inside a transaction block.
        var inTransaction: Bool { transactional || explicitTransaction }

        mutating func report(_ rule: LintRule, at token: SQLToken, _ message: String) {
            findings.append(RawFinding(rule: rule, token: token, statement: statement.index, message: message))
        }

        /// Whether `name` refers to a table created earlier in this file.
        func isNew(_ name: QualifiedName) -> Bool {
            if newTables.contains(name.key) { return true }
            if name.parts.count > 1 { return newTables.contains(name.last) }
            return newTables.contains { $0.split(separator: ".").last.map(String.init) == name.last }
        }

        mutating func check(_ s: LintStatement) {
            statement = s
            checkEnumValueUse()
            var cursor = TokenCursor(s.tokens)
            guard let verb = cursor.next(), verb.kind == .word else { return }
            switch verb.value {
            case "create": checkCreate(&cursor)
            case "alter": checkAlter(&cursor)
            case "drop": checkDrop(&cursor)
            case "truncate": checkTruncate(&cursor)
            case "vacuum": checkVacuum(&cursor)
            case "cluster": checkCluster(&cursor)
            case "reindex": checkReindex(&cursor)
            case "set", "reset": checkSetting(verb, &cursor)
            case "select": checkSetConfig()
            case "lock": checkLockTable(&cursor)
            case "begin", "start", "commit", "end", "rollback", "abort": checkTransactionControl(verb, &cursor)
            default: break
            }
        }

        mutating func checkCreate(_ cursor: inout TokenCursor) {
            cursor.accept("or", "replace")
            while cursor.acceptAny(["temp", "temporary", "unlogged", "global", "local", "unique", "materialized",
                                    "recursive", "trusted", "procedural", "constraint"]) != nil {}
            guard let object = cursor.next(), object.kind == .word else { return }
            switch object.value {
            case "table": checkCreateTable(&cursor)
            case "index": checkCreateIndex(&cursor)
            case "trigger": checkCreateTrigger(&cursor)
            case "function", "procedure", "view", "sequence", "type", "schema", "domain":
                cursor.accept("if", "not", "exists")
                if let name = cursor.qualifiedName() { checkIdentifier(name.lastToken, "\(object.value) name") }
            default: break
            }
        }

        mutating func checkAlter(_ cursor: inout TokenCursor) {
            if cursor.accept("table") { checkAlterTable(&cursor) }
            else if cursor.accept("type") { checkAlterType(&cursor) }
        }

        mutating func checkDrop(_ cursor: inout TokenCursor) {
            if cursor.accept("table") { checkDropTable(&cursor) }
            else if cursor.accept("index") { checkDropIndex(&cursor) }
            else if cursor.accept("trigger") {
                cursor.accept("if", "exists")
                _ = cursor.qualifiedName()
                if cursor.accept("on"), let table = cursor.qualifiedName() { noteLock(on: table, mode: "ACCESS EXCLUSIVE") }
            }
        }

        /// Reports a created identifier longer than PostgreSQL's 63-byte limit.
        mutating func checkIdentifier(_ token: SQLToken, _ what: String) {
            guard token.isIdentifier else { return }
            let bytes = token.value.utf8.count
            guard bytes > 63 else { return }
            report(.identifierTooLong, at: token,
                   "\(what) \"\(token.value)\" is \(bytes) bytes; PostgreSQL truncates it to 63")
        }
    }
}
