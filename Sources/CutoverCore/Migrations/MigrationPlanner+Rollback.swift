extension MigrationPlanner {
    /// What `migrate rollback` undoes, newest first.
    public struct RollbackPlan: Sendable, Equatable {
        /// Applied files to roll back, newest first.
        public var files: [MigrationFile]
        /// The contract file the rollback stops before (contract files are irreversible).
        public var stoppedBefore: MigrationFile?
    }

    /// Plans a rollback of the newest applied file, or of every applied file above `target`.
    ///
    /// Throws before anything runs when a file to roll back has drifted, is missing, or has no
    /// rollback section; when the newest applied file is a contract file there is nothing to do and
    /// that is an error too, saying why.
    public func rollback(catalog: MigrationCatalog, applied: [AppliedMigration], to target: Int? = nil) throws(CoreError) -> RollbackPlan {
        let newestFirst = applied.sorted { $0.version > $1.version }
        guard let newest = newestFirst.first else {
            throw CoreError(.nothingToRollBack, "no migration is applied; nothing to roll back")
        }
        if let target, !applied.contains(where: { $0.version == target }) {
            throw CoreError(.invalidArgument, "--to V\(String(target).leftPadded(3)) is not an applied version; rollback keeps that version applied and undoes everything above it",
                            context: ["version": "\(target)"])
        }
        let candidates = target.map { t in newestFirst.filter { $0.version > t } } ?? [newest]
        if candidates.isEmpty {
            throw CoreError(.nothingToRollBack, "V\(String(target ?? 0).leftPadded(3)) is the newest applied version; nothing above it to roll back")
        }
        var plan = RollbackPlan(files: [], stoppedBefore: nil)
        for row in candidates {
            guard let file = catalog.files.first(where: { $0.version == row.version }) else {
                throw CoreError(.appliedMigrationMissing, "\(row.filename) is applied but its file is missing; cannot read its rollback section",
                                context: ["file": row.filename])
            }
            if file.checksum != row.checksum {
                throw CoreError(.checksumDrift, "\(file.filename) changed after it was applied; restore it (or `cutover migrate repair`) before rolling back",
                                context: ["file": file.filename])
            }
            if file.phase == .contract {
                if plan.files.isEmpty {
                    throw CoreError(.irreversibleMigration,
                                    "\(file.filename) is a contract migration: contract changes are irreversible and rollback stops before them",
                                    context: ["file": file.filename])
                }
                plan.stoppedBefore = file
                break
            }
            if file.rollbackStatements.isEmpty {
                let undo = "U" + file.filename.dropFirst()
                throw CoreError(.missingRollback,
                                "\(file.filename) has no rollback: add a \"-- rollback:\" section at its end or a \(undo) file; nothing was rolled back",
                                context: ["file": file.filename])
            }
            plan.files.append(file)
        }
        return plan
    }

    /// Repeatable files that are new or changed since they were last applied, of the given phases.
    public func repeatablesToApply(catalog: MigrationCatalog, applied: [AppliedRepeatable],
                                   phases: Set<MigrationPhase> = Set(MigrationPhase.allCases)) -> [RepeatableMigration] {
        let recorded = Dictionary(applied.map { ($0.filename, $0.checksum) }, uniquingKeysWith: { a, _ in a })
        return catalog.repeatables.filter { phases.contains($0.phase) && recorded[$0.filename] != $0.checksum }
    }
}
