/// Decides what `migrate up` does from the files on disk and the recorded history.
///
/// Pure logic: no database, no files. The runner executes the returned plan step by step.
public struct MigrationPlanner: Sendable {
    /// Whether a pending file older than the newest applied one may still run.
    public var allowOutOfOrder: Bool

    public init(allowOutOfOrder: Bool = false) {
        self.allowOutOfOrder = allowOutOfOrder
    }

    /// The state of every known migration.
    public enum Status: Sendable, Equatable {
        case applied(AppliedMigration)
        case pending
        case checksumDrift(recorded: String, onDisk: String)
        case missingFile(AppliedMigration)
        case outOfOrder
    }

    /// One line of `migrate status`.
    public struct Entry: Sendable, Equatable {
        public var version: Int
        public var filename: String
        public var phase: MigrationPhase
        public var status: Status
        /// The history row of this version, if any (applied, drifted or with its file missing).
        public var applied: AppliedMigration? = nil
    }

    /// Status of every file and every history row, in version order.
    public func status(catalog: MigrationCatalog, applied: [AppliedMigration]) -> [Entry] {
        let byVersion = Dictionary(applied.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
        let maxApplied = applied.map(\.version).max() ?? 0
        var entries: [Entry] = []
        var fileVersions = Set<Int>()
        for file in catalog.files {
            fileVersions.insert(file.version)
            let status: Status
            if let row = byVersion[file.version] {
                status = row.checksum == file.checksum ? .applied(row) : .checksumDrift(recorded: row.checksum, onDisk: file.checksum)
            } else if file.version < maxApplied {
                status = .outOfOrder
            } else {
                status = .pending
            }
            entries.append(Entry(version: file.version, filename: file.filename, phase: file.phase, status: status, applied: byVersion[file.version]))
        }
        for row in applied where !fileVersions.contains(row.version) {
            entries.append(Entry(version: row.version, filename: row.filename, phase: row.phase, status: .missingFile(row), applied: row))
        }
        return entries.sorted { $0.version < $1.version }
    }

    /// The files `migrate up` applies, in order, up to and including `target` when given and only
    /// of the given phases. Throws on checksum drift, a missing applied file or (unless allowed) an
    /// out-of-order pending file: the history must be trustworthy before anything runs.
    public func pending(catalog: MigrationCatalog, applied: [AppliedMigration],
                        target: Int? = nil, phases: Set<MigrationPhase> = Set(MigrationPhase.allCases)) throws(CoreError) -> [MigrationFile] {
        var result: [MigrationFile] = []
        for entry in status(catalog: catalog, applied: applied) {
            switch entry.status {
            case .checksumDrift(let recorded, let onDisk):
                throw CoreError(.checksumDrift,
                                "\(entry.filename) was changed after it was applied (recorded checksum \(recorded.prefix(12))…, file now \(onDisk.prefix(12))…); restore the file or record the change with `cutover migrate repair`",
                                context: ["file": entry.filename, "version": "\(entry.version)", "recorded": recorded, "onDisk": onDisk])
            case .missingFile(let row):
                throw CoreError(.appliedMigrationMissing,
                                "migration \(row.filename) (version \(row.version)) is recorded as applied but its file is missing from the migrations folder",
                                context: ["file": row.filename, "version": "\(row.version)"])
            case .outOfOrder where !allowOutOfOrder:
                throw CoreError(.outOfOrderMigration,
                                "\(entry.filename) is pending but a newer version is already applied; renumber it above the newest applied version",
                                context: ["file": entry.filename, "version": "\(entry.version)"])
            case .pending, .outOfOrder:
                if let target, entry.version > target { continue }
                if let file = catalog.files.first(where: { $0.version == entry.version }), phases.contains(file.phase) {
                    result.append(file)
                }
            case .applied:
                continue
            }
        }
        return result
    }
}
