/// What a blackout period allows for one migration phase.
public enum BlackoutPolicy: String, Sendable, CaseIterable, Comparable {
    /// Runs as usual.
    case allow
    /// Runs slowed down: backfills add a pause between batches; `up` warns.
    case throttle
    /// Refused unless overridden with a reason.
    case deny

    private var rank: Int { self == .allow ? 0 : self == .throttle ? 1 : 2 }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// A named period of the business calendar (asparagus season, Christmas catering …) with a
/// policy per phase. Days are whole local days, both ends included.
public struct BlackoutPeriod: Sendable, Equatable {
    /// Every year between two month-days (the end may be in the next year), or once between dates.
    public enum Span: Sendable, Equatable {
        case recurring(fromMonth: Int, fromDay: Int, toMonth: Int, toDay: Int)
        case dated(from: CivilDate, to: CivilDate)
    }

    public var name: String
    public var span: Span
    /// Policy per phase; phases left out default to `allow`.
    public var policies: [MigrationPhase: BlackoutPolicy]
    /// Free text shown by `cutover calendar` (why the period matters).
    public var note: String?

    public init(name: String, span: Span, policies: [MigrationPhase: BlackoutPolicy], note: String? = nil) {
        self.name = name
        self.span = span
        self.policies = policies
        self.note = note
    }

    /// The policy for `phase`.
    public func policy(for phase: MigrationPhase) -> BlackoutPolicy { policies[phase] ?? .allow }

    /// The occurrences (first and last day) that overlap the years `year - 1 … year + 1`.
    func occurrences(around year: Int) -> [(from: CivilDate, to: CivilDate)] {
        switch span {
        case .dated(let from, let to):
            return [(from, to)]
        case .recurring(let fm, let fd, let tm, let td):
            return (year - 1...year + 1).map { y in
                let from = CivilDate(year: y, month: fm, day: min(fd, CivilDate.daysIn(month: fm, year: y)))
                let wraps = (tm, td) < (fm, fd)
                let ty = wraps ? y + 1 : y
                return (from, CivilDate(year: ty, month: tm, day: min(td, CivilDate.daysIn(month: tm, year: ty))))
            }
        }
    }
}
