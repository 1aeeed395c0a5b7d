import CutoverCore
import Foundation
import Logging
import PostgresNIO

/// Applies, rolls back and repairs migrations: one runner at a time (advisory lock), every
/// statement bounded by `lock_timeout` and retried with backoff, history with checksums in
/// `cutover.schema_history`, the business calendar's blackouts enforced.
public struct Migrator: Sendable {
    /// The advisory lock key every runner takes (`'cutover.migrate'` hashed, fixed forever).
    public static let advisoryLockKey: Int64 = 0x6375_746f_7665_72  // "cutover"

    public var target: DatabaseTarget
    public var catalog: MigrationCatalog
    /// How long a second runner waits for the lock before failing.
    public var lockWaitSeconds: Double
    /// Who runs it, recorded in the history.
    public var operatorName: String
    public var logger: Logger
    /// lock_timeout, statement_timeout and lock-timeout retries.
    public var timeouts: MigrationTimeouts
    /// Blackout periods; `up` refuses a phase they deny.
    public var calendar: BlackoutCalendar
    /// The reason given with `--override-blackout`; nil = blackouts apply.
    public var blackoutOverride: String?
    /// The current time as Unix seconds (injectable so tests can stand inside a blackout).
    public var now: @Sendable () -> Int64
    /// Refuse pending files with lint errors before anything runs, as `migrate plan` reports them
    /// (``MigrationLinter/lintGate(_:)``). `cutover migrate up` sets it.
    public var refusesLintErrors = false
    /// Called with the backend pid of the session that holds the migration lock, once it holds it
    /// (`cutover migrate up` cancels that session's statement on Ctrl-C).
    public var onSession: (@Sendable (Int32) -> Void)?

    public init(target: DatabaseTarget, catalog: MigrationCatalog, lockWaitSeconds: Double = 30,
                operatorName: String = Migrator.defaultOperatorName(), timeouts: MigrationTimeouts = MigrationTimeouts(),
                calendar: BlackoutCalendar = .none, blackoutOverride: String? = nil,
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }, logger: Logger) {
        self.target = target
        self.catalog = catalog
        self.lockWaitSeconds = lockWaitSeconds
        self.operatorName = operatorName
        self.timeouts = timeouts
        self.calendar = calendar
        self.blackoutOverride = blackoutOverride
        self.now = now
        self.logger = logger
    }

    /// The OS user name, for the history's `applied_by`.
    public static func defaultOperatorName() -> String {
        if let name = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] { return name }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(geteuid())"
    }

    var by: String { "\(operatorName) as " }

    /// Reads the recorded history (empty when the history table does not exist yet).
    public func history() async throws -> [AppliedMigration] {
        try await Database.withConnection(target, logger: logger) { connection in
            try await MigrationHistory.versions(connection, logger: logger)
        }
    }

    /// The repeatable files' recorded checksums.
    public func repeatableHistory() async throws -> [AppliedRepeatable] {
        try await Database.withConnection(target, logger: logger) { connection in
            try await MigrationHistory.repeatables(connection, logger: logger)
        }
    }

    /// Status of every file and history row.
    public func status() async throws -> [MigrationPlanner.Entry] {
        MigrationPlanner().status(catalog: catalog, applied: try await history())
    }

    /// Applies every pending migration up to `targetVersion`, then new or changed repeatable files,
    /// and returns the versioned files applied.
    @discardableResult
    public func up(to targetVersion: Int? = nil, phases: Set<MigrationPhase> = Set(MigrationPhase.allCases),
                   progress: @Sendable (MigrationEvent) -> Void = { _ in }) async throws -> [MigrationFile] {
        try await withLockedConnection(progress: progress) { connection in
            let applied = try await MigrationHistory.versions(connection, logger: logger)
            let pending = try MigrationPlanner().pending(catalog: catalog, applied: applied, target: targetVersion, phases: phases)
            let repeatables = targetVersion == nil
                ? MigrationPlanner().repeatablesToApply(catalog: catalog, applied: try await MigrationHistory.repeatables(connection, logger: logger), phases: phases)
                : []
            if refusesLintErrors, let refusal = MigrationLinter.lintGate(pending) { throw refusal }
            let overrides = try checkBlackouts(pending.map { ($0.filename, $0.phase) } + repeatables.map { ($0.filename, $0.phase) }, progress: progress)
            if pending.isEmpty && repeatables.isEmpty { progress(.nothingToDo) }
            for file in pending {
                // Files before a guarded one apply; the run stops at the first file whose guards fail.
                try await checkGuards([file], on: connection, progress: progress)
                try await apply(file, on: connection, overrideReason: overrides[file.filename], progress: progress)
            }
            for file in repeatables {
                try await applyRepeatable(file, on: connection, progress: progress)
            }
            return pending
        }
    }

    /// Refuses a phase an active blackout denies (unless overridden) and reports throttling.
    /// Returns the override reason per file name for the history.
    func checkBlackouts(_ files: [(filename: String, phase: MigrationPhase)], progress: @Sendable (MigrationEvent) -> Void) throws -> [String: String] {
        let instant = now()
        var overrides: [String: String] = [:]
        for file in files {
            let decision = calendar.decision(for: file.phase, atUnix: instant)
            guard let period = decision.because.first else { continue }
            let span = "\(period.from) – \(period.to), \(calendar.timeZone.rawValue)"
            switch decision.policy {
            case .allow:
                continue
            case .throttle:
                progress(.blackoutThrottle(filename: file.filename, period: period.period.name, until: calendar.timeZone.format(period.endsAt)))
            case .deny:
                if let reason = blackoutOverride {
                    let note = "blackout \"\(period.period.name)\" (\(span)) overridden: \(reason)"
                    overrides[file.filename] = note
                    progress(.blackoutOverridden(filename: file.filename, period: period.period.name, reason: reason))
                    continue
                }
                let again = calendar.nextAllowed(file.phase, atUnix: instant).map { "; \(file.phase.rawValue) is allowed again from \(calendar.timeZone.format($0))" } ?? ""
                throw CoreError(.blackout,
                                "refusing to run \(file.filename) (\(file.phase.rawValue)) during blackout \"\(period.period.name)\" (\(span)), which denies \(file.phase.rawValue) migrations\(again). Wait, or pass --override-blackout --reason \"…\" (recorded in the history)",
                                context: ["file": file.filename, "period": period.period.name, "ends": calendar.timeZone.format(period.endsAt)])
            }
        }
        return overrides
    }

    /// Checks every guard of the pending files, reports each with its state, and refuses to go on
    /// while any does not hold.
    func checkGuards(_ files: [MigrationFile], on connection: PostgresConnection, progress: @Sendable (MigrationEvent) -> Void) async throws {
        let guarded = files.filter { !$0.guards.isEmpty }
        guard !guarded.isEmpty else { return }
        let checker = ContractGuardChecker(calendar: calendar, logger: logger)
        for file in guarded {
            let results = try await checker.check(file.guards, on: connection, now: now())
            for result in results { progress(.guardChecked(filename: file.filename, result)) }
            let unmet = results.filter { !$0.met }
            guard unmet.isEmpty else {
                throw CoreError(.guardNotMet,
                                "refusing to run \(file.filename): \(unmet.count) of \(results.count) guard(s) do not hold: \(unmet.map(\.guardText).joined(separator: "; ")). It and the files after it were not applied; run again once the guards hold",
                                context: ["file": file.filename])
            }
        }
    }
}
