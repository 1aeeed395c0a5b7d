import CutoverCore
import Foundation

/// The operational panels: projection lag (chart and now), dead letters, rebuilds, migration
/// history and the blackout calendar.
extension ConsolePage {
    func lagPanel() -> String {
        let from = max(data.now - 3600, data.historyStartedAt), to = data.now
        let chart = LagChart(samples: data.lagSamples, projections: data.projections, from: from, to: to)
        var out = ""
        if data.historyStartedAt > data.now - 3600 {
            let minutes = Int((data.now - data.historyStartedAt) / 60)
            out += #"<p class="muted" id="lag-since">History since \#(HTML.escape(HTML.time(data.historyStartedAt))), when this process started "#
                + "(\(minutes) min ago): less than an hour is kept so far. The history lives in this process's memory.</p>"
        } else {
            out += #"<p class="muted" id="lag-since">The last hour, sampled every poll by this process.</p>"#
        }
        out += chart.svg()
        out += #"<p class="legend">"# + chart.legend.map { #"<span><i class="swatch" style="background:\#($0.color)"></i>\#(HTML.escape($0.projection))</span>"# }.joined() + "</p>"
        let lag = data.lag
        if lag.error != nil {
            out += #"<p class="msg error">The last lag poll failed; the error is logged. The numbers below are from the poll before.</p>"#
        }
        var rows = data.projections.map { p in
            [HTML.escape(p), lag.lagSeconds[p].map { String(format: "%.2f s", $0) } ?? #"<span class="muted">not built</span>"#]
        }
        if let replica = lag.replicaLagSeconds { rows.append(["hot standby (replay)", String(format: "%.2f s", replica)]) }
        out += Self.table(["Projection", "Lag now"], rows, id: "lag-table")
        return Self.section("lag", "Projection lag, last hour", out)
    }

    func deadLettersPanel() -> String {
        guard let letters = data.deadLetters else { return Self.section("dead-letters", "Dead letters", Self.unavailable) }
        var out = #"<p class="muted">Keys the projector gave up on after its retries. Fix the cause, then "#
            + "<code>cutover projector retry</code> (see docs/runbooks/poison-key.md).</p>"
        for projection in letters.keys.sorted() {
            let entry = letters[projection]!
            out += #"<h3><code>\#(HTML.escape(projection))</code>: <span id="dead-letters-\#(HTML.escape(projection))">\#(entry.count)</span></h3>"#
            guard !entry.newest.isEmpty else { continue }
            let rows = entry.newest.map { d in
                ["<code>\(HTML.escape(d.key))</code>", HTML.escape(String(d.error.prefix(300))), "\(d.attempts)", HTML.escape(HTML.time(d.lastFailedAt))]
            }
            out += Self.table(["Key", "Error", "Attempts", "Last failed"], rows)
        }
        return Self.section("dead-letters", "Dead letters", out)
    }

    func rebuildsPanel() -> String {
        guard let rebuilds = data.rebuilds else { return Self.section("rebuilds", "Rebuilds", Self.unavailable) }
        guard !rebuilds.isEmpty else { return Self.section("rebuilds", "Rebuilds", #"<p class="muted">No rebuild has run.</p>"#) }
        var out = rebuilds.contains(where: \.running) ? "" : #"<p class="muted">No rebuild is running; the newest ones:</p>"#
        let rows = rebuilds.map { r in
            let share = r.keysTotal > 0 ? min(Double(r.keysDone) / Double(r.keysTotal), 1) : (r.running ? 0 : 1)
            let progress = #"<span class="bar"><i style="width:\#(Int(share * 100))%"></i></span> "#
                + "\(r.keysDone) of \(r.keysTotal) keys (\(Int(share * 100)) %)"
            return [
                "#\(r.id)", "<code>\(HTML.escape(r.projection))</code> v\(r.version)",
                #"<span class="badge \#(r.running ? "b-shadow" : r.status == "failed" ? "b-kill" : "b-legacy")">\#(HTML.escape(r.status))</span>"#,
                progress, HTML.escape(HTML.time(r.startedAt)), HTML.escape(HTML.time(r.updatedAt)), HTML.escape(String((r.detail ?? "").prefix(200))),
            ]
        }
        out += Self.table(["#", "Projection", "Status", "Progress", "Started", "Updated", "Detail"], rows, id: "rebuilds-table")
        return Self.section("rebuilds", "Rebuilds", out)
    }

    func migrationsPanel() -> String {
        guard let migrations = data.migrations else { return Self.section("migrations", "Migration history", Self.unavailable) }
        guard !migrations.isEmpty else { return Self.section("migrations", "Migration history", #"<p class="muted">No migration applied.</p>"#) }
        let rows = migrations.map { m in
            [String(format: "V%03d", m.version), "<code>\(HTML.escape(m.filename))</code>", HTML.escape(m.phase), HTML.escape(HTML.time(m.appliedAt)),
             HTML.escape(m.appliedBy), "\(m.durationMs) ms"]
        }
        return Self.section("migrations", "Migration history (newest first)",
                            Self.table(["Version", "File", "Phase", "Applied at", "Applied by", "Duration"], rows, id: "migrations-table"))
    }

    func calendarPanel() -> String {
        guard let calendar = data.calendar else { return Self.section("calendar", "Blackout calendar", Self.unavailable) }
        let now = Int64(data.now)
        func policies(_ period: BlackoutPeriod) -> String {
            MigrationPhase.allCases.map { phase in
                let p = period.policy(for: phase).rawValue
                return "\(phase.rawValue) <span class=\"badge b-\(p)\">\(p)</span>"
            }.joined(separator: " · ")
        }
        func row(_ o: BlackoutCalendar.Occurrence) -> [String] {
            ["<strong>\(HTML.escape(o.period.name))</strong>" + (o.period.note.map { #"<br><span class="muted">\#(HTML.escape($0))</span>"# } ?? ""),
             HTML.escape("\(o.from) – \(o.to)"), policies(o.period)]
        }
        var out = "<p>Now (\(HTML.escape(calendar.timeZone.rawValue))): " + MigrationPhase.allCases.map { phase in
            let p = calendar.decision(for: phase, atUnix: now).policy.rawValue
            return "\(phase.rawValue) <span class=\"badge b-\(p)\">\(p)</span>"
        }.joined(separator: " · ") + "</p>"
        let active = calendar.active(atUnix: now)
        if !active.isEmpty { out += "<h3>Active now</h3>" + Self.table(["Period", "Days", "Policy per phase"], active.map(row), id: "blackout-active") }
        if let next = calendar.upcoming(atUnix: now, days: 400).first(where: { $0.startsAt > now }) {
            let days = Int((Double(next.startsAt) - data.now) / 86400)
            out += "<h3>Next: in \(days) day\(days == 1 ? "" : "s")</h3>" + Self.table(["Period", "Days", "Policy per phase"], [row(next)], id: "blackout-next")
        } else if active.isEmpty {
            out += #"<p class="muted">No blackout period within the next 400 days.</p>"#
        }
        return Self.section("calendar", "Blackout calendar", out)
    }
}
