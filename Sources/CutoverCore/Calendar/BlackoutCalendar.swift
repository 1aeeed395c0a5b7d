/// The business calendar of blackout periods (`config/blackouts.yaml`) and the decisions the
/// migrator and backfills take from it.
public struct BlackoutCalendar: Sendable, Equatable {
    /// One concrete occurrence of a period.
    public struct Occurrence: Sendable, Equatable {
        public var period: BlackoutPeriod
        /// First and last local day, both included.
        public var from: CivilDate
        public var to: CivilDate
        /// UTC instants: local midnight starting `from`, local midnight after `to`.
        public var startsAt: Int64
        public var endsAt: Int64
    }

    /// What a phase may do at an instant.
    public struct Decision: Sendable, Equatable {
        public var policy: BlackoutPolicy
        /// The occurrences that impose `policy` (empty for `allow`).
        public var because: [Occurrence]
    }

    public var timeZone: CalendarTimeZone
    public var periods: [BlackoutPeriod]

    public init(timeZone: CalendarTimeZone = .berlin, periods: [BlackoutPeriod]) {
        self.timeZone = timeZone
        self.periods = periods
    }

    /// An empty calendar: everything allowed.
    public static let none = BlackoutCalendar(periods: [])

    /// Occurrences active at the UTC instant.
    public func active(atUnix now: Int64) -> [Occurrence] {
        let today = timeZone.localDate(atUnix: now)
        return periods.flatMap { period in
            period.occurrences(around: today.year)
                .filter { $0.from <= today && today <= $0.to }
                .map { occurrence(period, $0.from, $0.to) }
        }
    }

    /// The strictest policy any active period sets for `phase`, and which periods set it.
    public func decision(for phase: MigrationPhase, atUnix now: Int64) -> Decision {
        let active = active(atUnix: now)
        let strictest = active.map { $0.period.policy(for: phase) }.max() ?? .allow
        guard strictest != .allow else { return Decision(policy: .allow, because: []) }
        return Decision(policy: strictest, because: active.filter { $0.period.policy(for: phase) == strictest })
    }

    /// The first instant at or after `now` when `phase` is no longer denied (scans up to two years).
    public func nextAllowed(_ phase: MigrationPhase, atUnix now: Int64) -> Int64? {
        if decision(for: phase, atUnix: now).policy != .deny { return now }
        var day = timeZone.localDate(atUnix: now)
        for _ in 0..<731 {
            day = day.adding(days: 1)
            let start = timeZone.startOfDay(day)
            if decision(for: phase, atUnix: start).policy != .deny { return start }
        }
        return nil
    }

    /// Occurrences that are active now or start within `days` days, in start order.
    public func upcoming(atUnix now: Int64, days: Int) -> [Occurrence] {
        let today = timeZone.localDate(atUnix: now)
        let horizon = today.adding(days: days)
        var result: [Occurrence] = []
        for period in periods {
            for o in period.occurrences(around: today.year) + period.occurrences(around: today.year + 1)
            where o.to >= today && o.from <= horizon && !result.contains(where: { $0.period == period && $0.from == o.from }) {
                result.append(occurrence(period, o.from, o.to))
            }
        }
        return result.sorted { ($0.from, $0.period.name) < ($1.from, $1.period.name) }
    }

    private func occurrence(_ period: BlackoutPeriod, _ from: CivilDate, _ to: CivilDate) -> Occurrence {
        Occurrence(period: period, from: from, to: to, startsAt: timeZone.startOfDay(from), endsAt: timeZone.startOfDay(to.adding(days: 1)))
    }
}
