import CutoverCore
import Logging
import PostgresNIO

/// Gathers what contract guards ask about (flags, verify runs, read usage, the blackout
/// calendar) from the database and checks each guard.
public struct ContractGuardChecker: Sendable {
    public var calendar: BlackoutCalendar
    public var logger: Logger

    public init(calendar: BlackoutCalendar, logger: Logger) {
        self.calendar = calendar
        self.logger = logger
    }

    /// Parses and checks `guards` (header lines) at unix time `now`.
    public func check(_ guards: [String], on c: PostgresConnection, now: Int64) async throws -> [GuardResult] {
        var parsed: [ContractGuard] = []
        for line in guards { parsed.append(try ContractGuard(parsing: line)) }
        let facts = try await facts(for: parsed, on: c, now: now)
        return parsed.map { $0.check(facts) }
    }

    func facts(for guards: [ContractGuard], on c: PostgresConnection, now: Int64) async throws -> GuardFacts {
        let installed = try await Database.tableExists(c, "cutover.flags", logger: logger)
        let snapshot = installed ? try await FlagStore(logger: logger).load(on: c) : FlagSnapshot(flags: [])
        var facts = GuardFacts(now: Double(now), flags: snapshot)
        if installed { facts.lastFullVerify = try await VerifyRunStore(logger: logger).lastFull(on: c) }
        let usage = ReadUsageStore(logger: logger)
        for g in guards {
            switch g {
            case .noLegacyReads(let flag, let seconds):
                guard installed, let views = snapshot.flags[flag]?.views else { continue }
                facts.legacyReads[ContractGuard.legacyKey(flag: flag, seconds: seconds)] =
                    try await usage.reads(on: c, views: views, source: .legacy, seconds: seconds)
            case .outsideBlackout:
                let decision = calendar.decision(for: .contract, atUnix: now)
                if decision.policy != .allow { facts.activeBlackout = decision.because.first?.period.name }
            default:
                continue
            }
        }
        return facts
    }
}
