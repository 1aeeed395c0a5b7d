extension MigrationLinter {
    /// The linter as `migrate plan` and `migrate up` apply it (the runner sets lock_timeout itself).
    public static let runner = MigrationLinter(runnerSetsLockTimeout: true)

    /// The lint errors of `files` (suppressed findings and warnings left out): `plan` reports them
    /// and says `up` would stop; `up` refuses to run while there are any (``lintGate(_:)``).
    public static func errors(in files: [MigrationFile]) -> [LintFinding] {
        files.flatMap { runner.lint($0).filter { $0.severity == .error } }
    }

    /// `lintErrors` naming every error of `files`, before anything runs; nil when there is none.
    public static func lintGate(_ files: [MigrationFile]) -> CoreError? {
        let errors = errors(in: files)
        guard !errors.isEmpty else { return nil }
        let list = errors.map { "\($0.file):\($0.line) \($0.rule.rawValue): \($0.message)" }.joined(separator: "\n")
        return CoreError(.lintErrors,
                         "refusing to run: \(errors.count) lint error(s) in the pending files, nothing was applied (`cutover migrate plan` shows them with the safe alternative); fix them, or suppress one with `-- cutover-lint: ignore <rule> reason: …` on the line before the statement:\n\(list)",
                         context: ["errors": "\(errors.count)"])
    }
}
