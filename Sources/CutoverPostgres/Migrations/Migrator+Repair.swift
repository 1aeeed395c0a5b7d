import CutoverCore
import PostgresNIO

extension Migrator {
    /// What `migrate repair` changed.
    public struct RepairReport: Sendable, Equatable {
        /// Files whose recorded checksum was replaced by the file's: (file, old, new).
        public var realigned: [(filename: String, recorded: String, onDisk: String)]
        /// History rows of missing files that were removed.
        public var forgotten: [String]
        /// Versions whose partial progress was reset.
        public var progressReset: [Int]

        public static func == (a: Self, b: Self) -> Bool {
            a.realigned.map(\.filename) == b.realigned.map(\.filename) && a.forgotten == b.forgotten && a.progressReset == b.progressReset
        }
    }

    /// Re-records the checksum of every drifted applied file (the file on disk becomes the truth),
    /// optionally forgets history rows whose file is gone and resets the progress of a partly applied
    /// file. Every change is written to `cutover.migration_log` with `reason`.
    public func repair(reason: String, forgetMissing: Bool = false, resetProgress: Int? = nil) async throws -> RepairReport {
        let trimmed = reason.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw CoreError(.invalidArgument, "repair needs --reason: the change is audited") }
        return try await withLockedConnection(progress: { _ in }) { connection in
            let applied = try await MigrationHistory.versions(connection, logger: logger)
            var report = RepairReport(realigned: [], forgotten: [], progressReset: [])
            try await run(connection, "BEGIN", doing: "starting the repair")
            for entry in MigrationPlanner().status(catalog: catalog, applied: applied) {
                switch entry.status {
                case .checksumDrift(let recorded, let onDisk):
                    try await connection.checkedQuery("UPDATE cutover.schema_history SET checksum = \(onDisk) WHERE version = \(entry.version)",
                                                      logger: logger, doing: "re-recording \(entry.filename)")
                    try await MigrationHistory.log(connection, action: "repair", version: entry.version, filename: entry.filename, checksum: onDisk,
                                                   by: by, detail: "checksum \(recorded) -> \(onDisk): \(trimmed)", logger: logger)
                    report.realigned.append((entry.filename, recorded, onDisk))
                case .missingFile(let row) where forgetMissing:
                    try await connection.checkedQuery("DELETE FROM cutover.schema_history WHERE version = \(row.version)",
                                                      logger: logger, doing: "forgetting \(row.filename)")
                    try await MigrationHistory.log(connection, action: "forget", version: row.version, filename: row.filename, checksum: row.checksum,
                                                   by: by, detail: "file missing: \(trimmed)", logger: logger)
                    report.forgotten.append(row.filename)
                default:
                    continue
                }
            }
            if let version = resetProgress {
                let rows = try await connection.checkedQuery("DELETE FROM cutover.migration_progress WHERE version = \(version) RETURNING filename, statements_done",
                                                             logger: logger, doing: "resetting progress")
                var found = false
                for try await (filename, done) in rows.decode((String, Int32).self) {
                    found = true
                    try await MigrationHistory.log(connection, action: "reset_progress", version: version, filename: filename, checksum: nil,
                                                   by: by, detail: "\(done) statement(s) had run: \(trimmed)", logger: logger)
                }
                guard found else {
                    throw CoreError(.invalidArgument, "--reset-progress V\(String(version).leftPadded(3)): no partly applied file with that version")
                }
                report.progressReset.append(version)
            }
            try await run(connection, "COMMIT", doing: "committing the repair")
            return report
        }
    }
}
