import CutoverCore
import PostgresNIO

extension Migrator {
    /// Records every versioned file up to `version` as applied without running it, for a database
    /// whose schema already holds what those files do (adopting an existing application). Each
    /// recorded file is audited in `cutover.migration_log` (action `baseline`) with `reason`.
    /// Refuses when `version` is no file of the folder, when a file after one it would record is applied, or
    /// when a file up to `version` is partly applied. Returns the files it recorded (none when all
    /// were applied).
    public func baseline(through version: Int, reason: String) async throws -> [MigrationFile] {
        let trimmed = reason.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw CoreError(.invalidArgument, "baseline needs --reason: the change is audited") }
        guard catalog.files.contains(where: { $0.version == version }) else {
            throw CoreError(.invalidArgument, "V\(String(version).leftPadded(3)) is no versioned file of the migrations folder; "
                            + "known: \(catalog.files.map { "V" + String($0.version).leftPadded(3) }.joined(separator: ", "))")
        }
        return try await withLockedConnection(progress: { _ in }) { connection in
            let applied = try await MigrationHistory.versions(connection, logger: logger)
            let appliedVersions = Set(applied.map(\.version))
            let files = catalog.files.filter { $0.version <= version && !appliedVersions.contains($0.version) }
            guard !files.isEmpty else { return [] }
            if let later = applied.first(where: { $0.version > files[0].version }) {
                throw CoreError(.invalidArgument, "\(later.filename) is applied already: a baseline records files before the first applied one, "
                                + "and \(files[0].filename) is not before it")
            }
            for file in files where try await MigrationHistory.progress(connection, version: file.version, logger: logger) != nil {
                throw CoreError(.invalidArgument, "\(file.filename) is partly applied; finish it with `cutover migrate up` or reset it with "
                                + "`cutover migrate repair --reset-progress V\(String(file.version).leftPadded(3))` first")
            }
            try await run(connection, "BEGIN", doing: "starting the baseline")
            for file in files {
                try await connection.checkedQuery("""
                    INSERT INTO cutover.schema_history (version, name, filename, phase, checksum, applied_by, duration_ms)
                    VALUES (\(file.version), \(file.name), \(file.filename), \(file.phase.rawValue), \(file.checksum), \(by) || current_user || ' (baseline)', 0)
                    """, logger: logger, doing: "recording \(file.filename)")
                try await MigrationHistory.log(connection, action: "baseline", version: file.version, filename: file.filename, checksum: file.checksum,
                                               by: by, detail: "recorded as applied without running it: \(trimmed)", logger: logger)
            }
            try await run(connection, "COMMIT", doing: "committing the baseline")
            return files
        }
    }
}
