/// The time zones a blackout calendar can be written in: `Europe/Berlin` (the business's, with the
/// EU daylight-saving rule) and `UTC`.
public enum CalendarTimeZone: String, Sendable, CaseIterable {
    case berlin = "Europe/Berlin"
    case utc = "UTC"

    /// Offset from UTC in seconds at the UTC instant `unixSeconds`.
    public func offset(atUnix unixSeconds: Int64) -> Int64 {
        guard self == .berlin else { return 0 }
        let date = CivilDate(daysSinceEpoch: Int(floorDiv(unixSeconds, 86_400)))
        // Summer time from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC.
        let start = Int64(CivilDate.lastSunday(month: 3, year: date.year).daysSinceEpoch) * 86_400 + 3_600
        let end = Int64(CivilDate.lastSunday(month: 10, year: date.year).daysSinceEpoch) * 86_400 + 3_600
        return unixSeconds >= start && unixSeconds < end ? 7_200 : 3_600
    }

    /// The local calendar date at the UTC instant.
    public func localDate(atUnix unixSeconds: Int64) -> CivilDate {
        CivilDate(daysSinceEpoch: Int(floorDiv(unixSeconds + offset(atUnix: unixSeconds), 86_400)))
    }

    /// The UTC instant of local midnight at the start of `date`. Midnight is never inside a switch
    /// hour (the EU switches at 02:00/03:00 local), so the offset at midnight is unambiguous.
    public func startOfDay(_ date: CivilDate) -> Int64 {
        let localMidnight = Int64(date.daysSinceEpoch) * 86_400
        // The offset that applies a few hours before local midnight in UTC is the same as at it.
        return localMidnight - offset(atUnix: localMidnight - 7_200)
    }

    /// Abbreviation for output: CET/CEST or UTC.
    public func abbreviation(atUnix unixSeconds: Int64) -> String {
        guard self == .berlin else { return "UTC" }
        return offset(atUnix: unixSeconds) == 7_200 ? "CEST" : "CET"
    }

    /// `YYYY-MM-DD HH:MM ZZZ` local time of a UTC instant.
    public func format(_ unixSeconds: Int64) -> String {
        let local = unixSeconds + offset(atUnix: unixSeconds)
        let date = CivilDate(daysSinceEpoch: Int(floorDiv(local, 86_400)))
        let secondOfDay = local - Int64(date.daysSinceEpoch) * 86_400
        let hh = String(secondOfDay / 3_600).leftPadded(2), mm = String(secondOfDay % 3_600 / 60).leftPadded(2)
        return "\(date) \(hh):\(mm) \(abbreviation(atUnix: unixSeconds))"
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
