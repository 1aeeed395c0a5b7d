import CutoverCore
import PostgresNIO

extension MigrationDryRun {
    /// One changed repeatable file's result.
    public struct RepeatableReport: Sendable {
        public var file: RepeatableMigration
        public var statements: [StatementReport]
        public var failed: Bool { statements.contains { $0.error != nil } }
    }

    /// Runs each repeatable file in one transaction on the scratch copy, recording every statement's
    /// locks; the first failing file is rolled back, reported with its error, and ends the run, as
    /// it ends `up`.
    func runRepeatables(_ files: [RepeatableMigration], on connection: PostgresConnection) async throws -> [RepeatableReport] {
        var reports: [RepeatableReport] = []
        for file in files {
            let before = try await relationIDs(connection)
            var known = try await relationNames(connection)
            var held = Set<String>()
            var report = RepeatableReport(file: file, statements: [])
            try await exec(connection, "BEGIN")
            for statement in file.statements {
                var entry = StatementReport(line: statement.line, sql: statement.sql, locks: [], error: nil)
                do {
                    try await exec(connection, statement.sql)
                    let now = try await locks(connection, existing: before, known: known)
                    known.merge(try await relationNames(connection)) { old, _ in old }
                    entry.locks = Self.strongestPerRelation(now.filter { !held.contains($0.relation + "|" + $0.mode) })
                    held.formUnion(now.map { $0.relation + "|" + $0.mode })
                } catch {
                    entry.error = Database.translate(error, doing: "statement").message.replacingOccurrences(of: "statement failed: ", with: "")
                    report.statements.append(entry)
                    break
                }
                report.statements.append(entry)
            }
            try await exec(connection, report.failed ? "ROLLBACK" : "COMMIT")
            reports.append(report)
            if report.failed { break }
        }
        return reports
    }
}
