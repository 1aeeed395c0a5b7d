import CutoverCore
import Testing

@Suite("Blackout calendar", .timeLimit(.minutes(1)))
struct BlackoutCalendarTests {
    let berlin = CalendarTimeZone.berlin

    func calendar() throws -> BlackoutCalendar {
        try BlackoutCalendar(timeZone: "Europe/Berlin", periods: [
            .init(name: "Asparagus season", everyYear: ("04-15", "06-24"), dates: nil,
                  policy: ["expand": "allow", "migrate": "throttle", "contract": "deny"], note: nil),
            .init(name: "Christmas catering", everyYear: ("12-01", "12-26"), dates: nil,
                  policy: ["migrate": "throttle", "contract": "deny"], note: nil),
            .init(name: "Year-end closing", everyYear: nil, dates: ("2026-12-30", "2027-01-02"),
                  policy: ["migrate": "deny", "contract": "deny"], note: nil),
            .init(name: "Winter freeze", everyYear: ("12-28", "01-03"), dates: nil, policy: ["expand": "throttle"], note: nil),
        ], source: "blackouts.yaml")
    }

    /// UTC instant of a Berlin wall-clock time.
    func at(_ y: Int, _ m: Int, _ d: Int, _ hour: Int = 12) -> Int64 {
        berlin.startOfDay(CivilDate(year: y, month: m, day: d)) + Int64(hour) * 3600
    }

    @Test("civil dates round-trip through days since the epoch and know their weekday")
    func civilDates() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 2026, month: 11, day: 27).weekday == 5)  // a Friday
        #expect(CivilDate(iso: "2026-02-29") == nil && CivilDate(iso: "2028-02-29") != nil && CivilDate(iso: "2026-13-01") == nil)
        #expect(CivilDate.lastSunday(month: 3, year: 2026) == CivilDate(year: 2026, month: 3, day: 29))
        #expect(CivilDate.lastSunday(month: 10, year: 2026) == CivilDate(year: 2026, month: 10, day: 25))
    }

    @Test("Europe/Berlin switches to summer time at 01:00 UTC on the last Sunday of March and back in October")
    func daylightSaving() {
        let march29 = Int64(CivilDate(year: 2026, month: 3, day: 29).daysSinceEpoch) * 86_400
        #expect(berlin.offset(atUnix: march29 + 3_599) == 3_600)
        #expect(berlin.offset(atUnix: march29 + 3_600) == 7_200)
        let october25 = Int64(CivilDate(year: 2026, month: 10, day: 25).daysSinceEpoch) * 86_400
        #expect(berlin.offset(atUnix: october25 + 3_599) == 7_200)
        #expect(berlin.offset(atUnix: october25 + 3_600) == 3_600)
        #expect(berlin.format(at(2026, 7, 1, 0)) == "2026-07-01 00:00 CEST")
        #expect(berlin.format(at(2026, 12, 27, 0)) == "2026-12-27 00:00 CET")
        // Local midnight on the switch days themselves.
        #expect(berlin.format(berlin.startOfDay(CivilDate(year: 2026, month: 3, day: 29))) == "2026-03-29 00:00 CET")
        #expect(berlin.format(berlin.startOfDay(CivilDate(year: 2026, month: 3, day: 30))) == "2026-03-30 00:00 CEST")
        #expect(berlin.format(berlin.startOfDay(CivilDate(year: 2026, month: 10, day: 26))) == "2026-10-26 00:00 CET")
        // 23:30 UTC on 30 June is already 1 July in Berlin.
        let lateJune = Int64(CivilDate(year: 2026, month: 6, day: 30).daysSinceEpoch) * 86_400 + 23 * 3600 + 1800
        #expect(berlin.localDate(atUnix: lateJune) == CivilDate(year: 2026, month: 7, day: 1))
    }

    @Test("decisions per phase: the strictest active period wins, both ends of a period are included")
    func decisions() throws {
        let c = try calendar()
        #expect(c.decision(for: .contract, atUnix: at(2026, 5, 1)).policy == .deny)
        #expect(c.decision(for: .migrate, atUnix: at(2026, 5, 1)).policy == .throttle)
        #expect(c.decision(for: .expand, atUnix: at(2026, 5, 1)).policy == .allow)
        #expect(c.decision(for: .contract, atUnix: at(2026, 4, 15, 0)).policy == .deny)
        #expect(c.decision(for: .contract, atUnix: at(2026, 4, 14, 23) + 3599).policy == .allow)
        #expect(c.decision(for: .contract, atUnix: at(2026, 6, 24, 23)).policy == .deny)
        #expect(c.decision(for: .contract, atUnix: at(2026, 6, 25, 0)).policy == .allow)
        // Overlap: year-end closing denies migrate where the winter freeze only throttles expand.
        let d = c.decision(for: .migrate, atUnix: at(2026, 12, 31))
        #expect(d.policy == .deny && d.because.map(\.period.name) == ["Year-end closing"])
        // A recurring period across New Year.
        #expect(c.decision(for: .expand, atUnix: at(2027, 1, 3)).policy == .throttle)
        #expect(c.decision(for: .expand, atUnix: at(2027, 1, 4)).policy == .allow)
        #expect(c.decision(for: .expand, atUnix: at(2026, 12, 28)).because.first?.to == CivilDate(year: 2027, month: 1, day: 3))
    }

    @Test("next allowed time skips back-to-back periods; upcoming lists occurrences in order")
    func nextWindows() throws {
        let c = try calendar()
        #expect(c.nextAllowed(.contract, atUnix: at(2026, 12, 10)).map(berlin.format) == "2026-12-27 00:00 CET")
        #expect(c.nextAllowed(.contract, atUnix: at(2026, 12, 31)).map(berlin.format) == "2027-01-03 00:00 CET")
        #expect(c.nextAllowed(.expand, atUnix: at(2026, 12, 31)) == at(2026, 12, 31))
        let names = c.upcoming(atUnix: at(2026, 11, 27), days: 200).map { "\($0.from) \($0.period.name)" }
        #expect(names == ["2026-12-01 Christmas catering", "2026-12-28 Winter freeze", "2026-12-30 Year-end closing", "2027-04-15 Asparagus season"])
    }

    @Test("broken calendars are rejected with the period and the valid values", arguments: [
        (BlackoutCalendar.RawPeriod(name: "X", everyYear: ("04-31", "05-01"), dates: nil, policy: ["contract": "deny"], note: nil), "MM-DD"),
        (BlackoutCalendar.RawPeriod(name: "X", everyYear: nil, dates: ("2026-05-02", "2026-05-01"), policy: ["contract": "deny"], note: nil), "before they start"),
        (BlackoutCalendar.RawPeriod(name: "X", everyYear: nil, dates: nil, policy: ["contract": "deny"], note: nil), "needs every_year"),
        (BlackoutCalendar.RawPeriod(name: "X", everyYear: ("01-01", "01-02"), dates: nil, policy: ["contrat": "deny"], note: nil), "valid: expand, migrate, contract"),
        (BlackoutCalendar.RawPeriod(name: "X", everyYear: ("01-01", "01-02"), dates: nil, policy: ["contract": "never"], note: nil), "valid: allow, throttle, deny"),
        (BlackoutCalendar.RawPeriod(name: "X", everyYear: ("01-01", "01-02"), dates: nil, policy: ["contract": "allow"], note: nil), "blocks nothing"),
        (BlackoutCalendar.RawPeriod(name: nil, everyYear: ("01-01", "01-02"), dates: nil, policy: ["contract": "deny"], note: nil), "has no name"),
        (BlackoutCalendar.RawPeriod(name: "X", everyYear: ("01-01", "01-02"), dates: nil, policy: ["contract": "deny"], note: nil, unknownKeys: ["form"]), "unknown key \"form\""),
    ])
    func rejects(raw: BlackoutCalendar.RawPeriod, fragment: String) {
        #expect {
            try BlackoutCalendar(timeZone: nil, periods: [raw], source: "blackouts.yaml")
        } throws: { error in
            guard let e = error as? CoreError else { return false }
            return e.code == .malformedCalendar && e.message.hasPrefix("blackouts.yaml: ") && e.message.contains(fragment)
        }
        #expect(throws: CoreError.self) { try BlackoutCalendar(timeZone: "Europe/Paris", periods: [], source: "b.yaml") }
    }
}
