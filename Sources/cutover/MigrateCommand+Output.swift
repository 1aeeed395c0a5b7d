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

    /// Per phase: every history row counts as applied (those with checksum drift or a missing
    /// file named in brackets), every file not in the history as pending (out-of-order ones named),
    /// so the counts add up to the history and the folder.
    static func summary(_ entries: [MigrationPlanner.Entry]) -> String {
        MigrationPhase.allCases.compactMap { phase -> String? in
            let group = entries.filter { $0.phase == phase }
            guard !group.isEmpty else { return nil }
            func count(_ matches: (MigrationPlanner.Status) -> Bool) -> Int { group.filter { matches($0.status) }.count }
            let drifted = count { if case .checksumDrift = $0 { true } else { false } }
            let missing = count { if case .missingFile = $0 { true } else { false } }
            let outOfOrder = count { $0 == .outOfOrder }
            let applied = group.filter { $0.applied != nil }.count
            let pending = group.count - applied
            let problems = [drifted > 0 ? "\(drifted) checksum drift" : nil, missing > 0 ? "\(missing) file missing" : nil].compactMap { $0 }
            return "\(phase.rawValue) \(applied) applied\(problems.isEmpty ? "" : " (\(problems.joined(separator: ", ")))"), "
                + "\(pending) pending\(outOfOrder > 0 ? " (\(outOfOrder) out of order)" : "")"
        }.joined(separator: " · ")
    }

    static func table(_ entries: [MigrationPlanner.Entry]) -> String {
        var rows: [[String]] = []
        for e in entries {
            let state: String
            switch e.status {
            case .applied: state = "applied"
            case .pending: state = "pending"
            case .checksumDrift: state = "CHECKSUM DRIFT"
            case .missingFile: state = "FILE MISSING"
            case .outOfOrder: state = "out of order"
            }
            let applied = e.applied.map { "\($0.appliedAt) by \($0.appliedBy) (\($0.durationMilliseconds) ms)" } ?? ""
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
