extension BlackoutCalendar {
    /// One period as written in `config/blackouts.yaml`, before validation.
    public struct RawPeriod: Sendable {
        public var name: String?
        /// `every_year: {from: "MM-DD", to: "MM-DD"}`.
        public var everyYear: (from: String?, to: String?)?
        /// `dates: {from: "YYYY-MM-DD", to: "YYYY-MM-DD"}`.
        public var dates: (from: String?, to: String?)?
        /// `policy: {expand: allow, migrate: throttle, contract: deny}`.
        public var policy: [String: String]
        public var note: String?
        /// Keys the period has that the format does not know.
        public var unknownKeys: [String]

        public init(name: String?, everyYear: (from: String?, to: String?)?, dates: (from: String?, to: String?)?,
                    policy: [String: String], note: String?, unknownKeys: [String] = []) {
            self.name = name
            self.everyYear = everyYear
            self.dates = dates
            self.policy = policy
            self.note = note
            self.unknownKeys = unknownKeys
        }
    }

    /// Validates raw periods; every problem names the file, the period and the valid values.
    public init(timeZone: String?, periods raw: [RawPeriod], source: String) throws(CoreError) {
        func fail(_ message: String) -> CoreError {
            CoreError(.malformedCalendar, "\(source): \(message)", context: ["file": source])
        }
        let zone = timeZone ?? CalendarTimeZone.berlin.rawValue
        guard let tz = CalendarTimeZone(rawValue: zone) else {
            throw fail("timezone \"\(zone)\" is not supported; use one of \(CalendarTimeZone.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var periods: [BlackoutPeriod] = []
        for (index, r) in raw.enumerated() {
            let label = r.name.map { "period \"\($0)\"" } ?? "period #\(index + 1)"
            guard let name = r.name, !name.trimmingWhitespace().isEmpty else { throw fail("\(label) has no name") }
            if let key = r.unknownKeys.first {
                throw fail("\(label): unknown key \"\(key)\"; valid keys: name, every_year, dates, policy, note")
            }
            let span: BlackoutPeriod.Span
            switch (r.everyYear, r.dates) {
            case (let e?, nil):
                guard let f = e.from.flatMap(Self.monthDay), let t = e.to.flatMap(Self.monthDay) else {
                    throw fail("\(label): every_year needs from and to as \"MM-DD\", e.g. {from: \"04-15\", to: \"06-24\"}")
                }
                span = .recurring(fromMonth: f.0, fromDay: f.1, toMonth: t.0, toDay: t.1)
            case (nil, let d?):
                guard let f = d.from.flatMap(CivilDate.init(iso:)), let t = d.to.flatMap(CivilDate.init(iso:)) else {
                    throw fail("\(label): dates needs from and to as \"YYYY-MM-DD\" (real dates)")
                }
                guard f <= t else { throw fail("\(label): dates end \(t) before they start \(f)") }
                span = .dated(from: f, to: t)
            case (nil, nil):
                throw fail("\(label) needs every_year {from, to} or dates {from, to}")
            case (.some, .some):
                throw fail("\(label) has both every_year and dates; keep one")
            }
            var policies: [MigrationPhase: BlackoutPolicy] = [:]
            for (phaseText, policyText) in r.policy {
                guard let phase = MigrationPhase(rawValue: phaseText) else {
                    throw fail("\(label): unknown phase \"\(phaseText)\" in policy; valid: expand, migrate, contract")
                }
                guard let policy = BlackoutPolicy(rawValue: policyText) else {
                    throw fail("\(label): unknown policy \"\(policyText)\" for \(phaseText); valid: allow, throttle, deny")
                }
                policies[phase] = policy
            }
            if policies.values.allSatisfy({ $0 == .allow }) {
                throw fail("\(label) allows every phase, so it blocks nothing; give at least one phase throttle or deny")
            }
            periods.append(BlackoutPeriod(name: name, span: span, policies: policies, note: r.note))
        }
        self.init(timeZone: tz, periods: periods)
    }

    static func monthDay(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let m = Int(parts[0]), let d = Int(parts[1]),
              (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(month: m, year: 2000) else { return nil }
        return (m, d)
    }
}
