import CutoverCore
import CutoverPostgres
import Foundation

extension MigrateCommand {
    /// Prints one progress event of a run.
    static func report(_ event: MigrationEvent) {
        switch event {
        case .waitingForLock(let holder): print("waiting for the migration lock held by \(holder) …")
        case .lockAcquired: break
        case .nothingToDo: print("no pending migrations")
        case .started(let file):
            print("→ \(file.filename) [\(file.phase.rawValue)\(file.transactional ? "" : ", statement by statement")], \(file.statements.count) statement(s)")
        case .statementFinished(let file, let index, let total):
            if !file.transactional || (total >= 50 && index % max(1, total / 10) == 0) { print("  \(file.filename): \(index)/\(total) statements") }
        case .finished(let file, let ms): print("✓ \(file.filename) in \(ms) ms")
        case .resuming(let file, let from): print("  resuming \(file.filename) at statement \(from) of \(file.statements.count) (earlier ones are done)")
        case .lockTimeout(let filename, let line, let attempt, let of, let delay):
            print("  \(filename)\(line > 0 ? " line \(line)" : ""): lock_timeout (try \(attempt) of \(of)); retrying in \(delay) ms")
        case .blackoutThrottle(let filename, let period, let until):
            print("  note: blackout \"\(period)\" throttles this phase until \(until); running \(filename) anyway")
        case .blackoutOverridden(let filename, let period, let reason):
            print("  OVERRIDE: running \(filename) inside blackout \"\(period)\" (reason: \(reason)); recorded in the history")
        case .guardChecked(let filename, let result):
            print("  guard \(result.met ? "✓" : "✗") \(result.guardText) — \(result.detail)  [\(filename)]")
        case .repeatableApplied(let file, let ms): print("✓ \(file.filename) (repeatable, changed) in \(ms) ms")
        case .rolledBack(let file, let ms): print("↶ rolled back \(file.filename) in \(ms) ms")
        }
    }

    static func table(_ entries: [MigrationPlanner.Entry]) -> String {
        var rows: [[String]] = []
        for e in entries {
            let state: String
            var applied = ""
            switch e.status {
            case .applied(let row): state = "applied"; applied = "\(row.appliedAt) by \(row.appliedBy) (\(row.durationMilliseconds) ms)"
            case .pending: state = "pending"
            case .checksumDrift: state = "CHECKSUM DRIFT"
            case .missingFile(let row): state = "FILE MISSING"; applied = row.appliedAt
            case .outOfOrder: state = "out of order"
            }
            rows.append(["V" + String(e.version).leftPadded(3), e.phase.rawValue, state, e.filename, applied])
        }
        if rows.isEmpty { return "(no migration files)" }
        return TextTable.render(["VERSION", "PHASE", "STATE", "FILE", "APPLIED"], rows)
    }

    static func repeatableTable(_ catalog: MigrationCatalog, _ applied: [AppliedRepeatable]) -> String {
        let recorded = Dictionary(applied.map { ($0.filename, $0) }, uniquingKeysWith: { a, _ in a })
        let rows = catalog.repeatables.map { file -> [String] in
            guard let row = recorded[file.filename] else { return ["R", file.phase.rawValue, "pending (new)", file.filename, ""] }
            let state = row.checksum == file.checksum ? "applied" : "pending (changed)"
            return ["R", file.phase.rawValue, state, file.filename, "\(row.appliedAt) by \(row.appliedBy)"]
        }
        return TextTable.render(["KIND", "PHASE", "STATE", "FILE", "APPLIED"], rows)
    }
}
