import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover migrate lint [files…]`: phase-aware checks for dangerous DDL, without a database.
struct MigrateLintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check migration SQL for DDL that locks, rewrites or breaks running code (no database needed).",
        discussion: """
            Without file arguments every migration in the configured migrations folder is checked. Files
            given on the command line may be any .sql file: a migration name (V###__name.sql) and its
            header decide phase and transaction mode; for other names the `-- phase:` / `-- transaction:`
            header lines are used when present, and --phase / --transaction override them.
            Exit status: 0 no errors (warnings allowed), 1 error findings, 65 unreadable or malformed
            input, 64 bad flags. See docs/linter.md.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }
    enum PhaseOption: String, ExpressibleByArgument, CaseIterable { case expand, migrate, contract }
    enum TransactionOption: String, ExpressibleByArgument, CaseIterable { case file, none }

    @OptionGroup var options: GlobalOptions
    @Argument(help: "SQL files to check (default: every migration in the migrations folder).") var files: [String] = []
    @Option(help: "Output format: text or json.") var format: Format = .text
    @Option(help: "Phase for files without a migration name: expand (default), migrate or contract.") var phase: PhaseOption?
    @Option(help: "Transaction mode for files without a migration name: file (one transaction, default) or none.")
    var transaction: TransactionOption?
    @Flag(help: "Print every rule with its severity per phase, why it exists and the safe alternative.") var rules = false
    @Flag(help: "The files are run by another tool (psql …), not by `cutover migrate up`, which sets lock_timeout itself: require it in the file.")
    var standalone = false

    func run() async throws {
        if rules {
            print(Self.rulesTable())
            return
        }
        try await CLIErrors.run {
            let inputs = try await loadInputs()
            let linter = MigrationLinter(runnerSetsLockTimeout: !standalone)
            let findings = inputs.flatMap { input in
                linter.lint(filename: input.path, sql: input.sql, phase: input.phase, transactional: input.transactional)
            }
            let errors = findings.filter { $0.severity == .error }.count
            let warnings = findings.count - errors
            switch format {
            case .text: print(Self.text(findings, errors: errors, warnings: warnings, files: inputs.count))
            case .json: print(try Self.json(findings, errors: errors, warnings: warnings, files: inputs.count))
            }
            if findings.contains(where: { $0.rule == .unparsableSQL }) { throw ExitCode(CLIErrors.dataError) }
            if errors > 0 { throw ExitCode(CLIErrors.checkFailed) }
        }
    }

    struct Input {
        var path: String
        var sql: String
        var phase: MigrationPhase
        var transactional: Bool
    }

    private func loadInputs() async throws -> [Input] {
        if files.isEmpty {
            let directory = try await options.loadConfig().migrationsDirectory
            // The same loader as `migrate up`: malformed names and headers are reported the usual way.
            return try MigrationSource.load(directory: directory).files.map { file in
                Input(path: (directory as NSString).appendingPathComponent(file.filename), sql: file.sql,
                      phase: file.phase, transactional: file.transactional)
            }
        }
        return try files.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CoreError(.lintInputUnreadable, "cannot read \(path)", context: ["file": path])
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw CoreError(.lintInputUnreadable, "\(path): not valid UTF-8 text", context: ["file": path])
            }
            let name = (path as NSString).lastPathComponent
            if (try? MigrationFile.parseName(name)) != nil {
                // A migration's own name and header are authoritative; malformed ones fail as usual.
                let file = try MigrationFile(filename: name, content: sql)
                return Input(path: path, sql: sql, phase: file.phase, transactional: file.transactional)
            }
            var header: MigrationHeader?
            do {
                header = try MigrationHeader(parsing: sql, filename: path, strict: false)
            } catch let error as CoreError where error.code == .malformedMigrationHeader && error.context["line"] == nil {
                header = nil  // no `-- phase:` line: the flags or the defaults decide
            }
            return Input(path: path, sql: sql,
                         phase: phase.map { MigrationPhase(rawValue: $0.rawValue)! } ?? header?.phase ?? .expand,
                         transactional: transaction.map { $0 == .file } ?? header?.transactional ?? true)
        }
    }

    static func text(_ findings: [LintFinding], errors: Int, warnings: Int, files: Int) -> String {
        var lines: [String] = []
        for f in findings {
            lines.append("\(f.file):\(f.line):\(f.column)  \(f.severity.rawValue)  \(f.rule.id)  \(f.message)")
            lines.append("  why: \(f.explanation)")
            lines.append("  instead: \(f.safeAlternative)")
        }
        if !findings.isEmpty { lines.append("") }
        lines.append("\(plural(errors, "error")), \(plural(warnings, "warning")) in \(plural(files, "file"))")
        return lines.joined(separator: "\n")
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    struct Report: Encodable {
        struct Finding: Encodable {
            var rule, severity, file, message, statement, why, instead: String
            var line, column: Int
        }
        struct Summary: Encodable { var errors, warnings, files: Int }
        var findings: [Finding]
        var summary: Summary
    }

    static func json(_ findings: [LintFinding], errors: Int, warnings: Int, files: Int) throws -> String {
        let report = Report(findings: findings.map {
            Report.Finding(rule: $0.rule.id, severity: $0.severity.rawValue, file: $0.file, message: $0.message,
                           statement: $0.statement, why: $0.explanation, instead: $0.safeAlternative,
                           line: $0.line, column: $0.column)
        }, summary: .init(errors: errors, warnings: warnings, files: files))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    static func rulesTable() -> String {
        LintRule.allCases.map { rule in
            let phases = MigrationPhase.allCases.map { "\($0.rawValue): \(rule.severity(in: $0)?.rawValue ?? "off")" }
            return "\(rule.id)  (\(phases.joined(separator: ", ")))\n  why: \(rule.explanation)\n  instead: \(rule.safeAlternative)"
        }.joined(separator: "\n")
    }
}
