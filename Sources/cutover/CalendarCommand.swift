import ArgumentParser
import CutoverCore
import CutoverPostgres
import Foundation

/// `cutover calendar`: the blackout periods ahead and what each phase may do now.
struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Show blackout periods from migrations.blackouts (config/blackouts.yaml): what each phase may do now and the next windows.")
    @OptionGroup var options: GlobalOptions
    // Unconditional: `--days -3` is a bad value (exit 64 with the range), not a missing one.
    @Option(parsing: .unconditional, help: "Days ahead to list (1–3650).") var days: Int = 365
    @Option(help: "Look from this time instead of now (YYYY-MM-DD or ISO-8601).") var at: String?

    func run() async throws {
        try await CLIErrors.run {
            guard (1...3650).contains(days) else { throw CoreError(.invalidArgument, "--days must be between 1 and 3650") }
            let config = try await options.loadConfig()
            let calendar = try BlackoutCalendarLoader.load(path: config.blackoutsFile)
            let now = try at.map(Self.parseInstant) ?? Int64(Date().timeIntervalSince1970)
            let tz = calendar.timeZone
            print("now: \(tz.format(now)) (\(tz.rawValue)) · calendar: \(config.blackoutsFile)\(calendar.periods.isEmpty ? " (no periods)" : "")")
            for phase in MigrationPhase.allCases {
                let d = calendar.decision(for: phase, atUnix: now)
                var line = "  \(phase.rawValue.rightPad(9)) \(d.policy.rawValue.uppercased())"
                if let o = d.because.first { line += " — \(o.period.name) until \(tz.format(o.endsAt))" }
                if d.policy == .deny, let next = calendar.nextAllowed(phase, atUnix: now) { line += "; allowed again from \(tz.format(next))" }
                print(line)
            }
            let upcoming = calendar.upcoming(atUnix: now, days: days)
            print("")
            if upcoming.isEmpty { print("no blackout periods in the next \(days) days"); return }
            let rows = upcoming.map { o -> [String] in
                let policy = MigrationPhase.allCases.map { "\($0.rawValue) \(o.period.policy(for: $0).rawValue)" }.joined(separator: ", ")
                let state = o.startsAt <= now ? "NOW" : "in \((o.startsAt - now + 86_399) / 86_400) d"
                return ["\(o.from)", "\(o.to)", state, o.period.name, policy]
            }
            print(TextTable.render(["FROM", "TO", "STARTS", "PERIOD", "POLICY"], rows))
        }
    }

    /// `2026-12-10` (midnight in Europe/Berlin) or ISO-8601 `2026-12-10T10:00:00Z`.
    static func parseInstant(_ text: String) throws -> Int64 {
        if let date = CivilDate(iso: text) { return CalendarTimeZone.berlin.startOfDay(date) }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) }
        throw CoreError(.invalidArgument, "--at \(text): expected YYYY-MM-DD or an ISO-8601 time such as 2026-12-10T10:00:00Z")
    }
}
