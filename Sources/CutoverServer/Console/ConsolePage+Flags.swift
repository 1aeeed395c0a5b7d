import CutoverCore
import CutoverPostgres
import Foundation

/// The flag panels: the reader switch per flag and module with its forms, the kill switch, the
/// flag history and the recent shadow mismatches.
extension ConsolePage {
    func badge(_ state: String) -> String {
        let kill = state.contains("kill switch")
        let base = state.split(separator: " ").first.map(String.init) ?? state
        return #"<span class="badge \#(kill ? "b-kill" : "b-" + HTML.escape(base))">\#(HTML.escape(state))</span>"#
    }

    func ruleText(_ rule: FlagRule) -> String { rule.percent == 100 ? rule.variant : "\(rule.variant) \(rule.percent)%" }

    func flagsPanel() -> String {
        guard let snapshot = data.flags else { return Self.section("flags", "Reader switch", Self.unavailable) }
        var out = #"<p class="muted">Which source serves each module's reads. Subjects outside a percentage get legacy. "#
            + "Every change needs a reason and is written to the audit trail with your token as the actor.</p>"
        if snapshot.killSwitchOn {
            out += #"<p class="msg error">The kill switch is ON: every reader flag serves legacy, whatever its state.</p>"#
        }
        for flag in snapshot.names.compactMap({ snapshot.flags[$0] }) where flag.kind == .reader {
            let document = FlagDocument(flag, in: snapshot)
            out += #"<h3 id="flag-\#(HTML.escape(flag.name))"><code>\#(HTML.escape(flag.name))</code> · \#(HTML.escape(flag.views.map(\.rawValue).joined(separator: ", ")))</h3>"#
            out += #"<p class="muted">\#(HTML.escape(flag.description)) · version \#(flag.version), changed \#(HTML.escape(HTML.time(flag.updatedAt))) by \#(HTML.escape(flag.updatedBy))</p>"#
            var rows: [[String]] = [[
                "<strong>default</strong>", HTML.escape(ruleText(flag.value.rule)), #"<span class="muted">modules without an override</span>"#,
                form(flag, module: nil, rule: flag.value.rule),
            ]]
            for module in BusinessModule.codes {
                let override = flag.value.modules[module]
                rows.append([
                    module, override.map { HTML.escape(ruleText($0)) } ?? #"<span class="muted">inherits default</span>"#,
                    #"<span id="serves-\#(HTML.escape(flag.name))-\#(module)">\#(badge(document.effective[module] ?? "?"))</span>"#,
                    form(flag, module: module, rule: override ?? flag.value.rule),
                ])
            }
            out += Self.table(["Module", "Rule", "Serves now", "Change (reason required)"], rows, id: "table-\(flag.name)")
        }
        return Self.section("flags", "Reader switch", out)
    }

    func form(_ flag: FeatureFlag, module: String?, rule: FlagRule) -> String {
        let states = ReaderState.allCases.map(\.rawValue) + (module != nil ? [FlagChange.inherit] : [])
        let options = states.map { s in
            #"<option value="\#(s)"\#(s == rule.variant ? " selected" : "")>\#(s == FlagChange.inherit ? "inherit default" : s)</option>"#
        }.joined()
        let label = "\(flag.name) \(module.map { "module \($0)" } ?? "default")"
        return #"<form method="post" action="/console/flags">"# + hidden("csrf", csrf) + hidden("flag", flag.name) + hidden("module", module ?? "default")
            + #"<select name="state" aria-label="state for \#(HTML.escape(label))">\#(options)</select>"#
            + #"<input type="number" name="percent" min="0" max="100" value="\#(rule.percent)" aria-label="percent for \#(HTML.escape(label))">%"#
            + #"<input type="text" name="reason" required maxlength="500" placeholder="reason" aria-label="reason for \#(HTML.escape(label))">"#
            + #"<button type="submit">Apply</button></form>"#
    }

    func killSwitchPanel() -> String {
        guard let snapshot = data.flags else { return Self.section("kill-switch", "Kill switch", Self.unavailable) }
        guard let flag = snapshot.flags[FeatureFlag.killSwitchName] else {
            return Self.section("kill-switch", "Kill switch", #"<p class="muted">No kill switch flag (run the migrations).</p>"#)
        }
        let on = snapshot.killSwitchOn
        let state = on ? "on" : "off"
        let out = #"<p>The kill switch is <span class="badge b-\#(state)" id="kill-switch-state">\#(state)</span> · "#
            + "version \(flag.version), changed \(HTML.escape(HTML.time(flag.updatedAt))) by \(HTML.escape(flag.updatedBy)). "
            + "While it is on, every reader flag serves legacy.</p>"
            + #"<form method="post" action="/console/flags" class="row">"# + hidden("csrf", csrf) + hidden("flag", flag.name)
            + hidden("module", "default") + hidden("state", on ? "off" : "on")
            + #"<input type="text" name="reason" required maxlength="500" placeholder="reason (required)" aria-label="reason for the kill switch">"#
            + #"<button type="submit" class="\#(on ? "primary" : "danger")">\#(on ? "Turn the kill switch off" : "Turn the kill switch on")</button></form>"#
        return Self.section("kill-switch", "Kill switch", out)
    }

    func historyPanel() -> String {
        guard let history = data.history else { return Self.section("history", "Recent flag changes", Self.unavailable) }
        guard !history.isEmpty else { return Self.section("history", "Recent flag changes", #"<p class="muted">No changes yet.</p>"#) }
        let rows = history.map { e in
            [
                "#\(e.id)", HTML.escape(HTML.time(iso: e.changedAt)), "<code>\(HTML.escape(e.flag))</code> v\(e.version)",
                HTML.escape("\(e.oldValue?.summary ?? "–") → \(e.newValue.summary)"), HTML.escape(e.reason),
                HTML.escape(e.changedBy) + (e.automatic ? #" <span class="badge b-kill">automatic</span>"# : ""),
            ]
        }
        return Self.section("history", "Recent flag changes", Self.table(["#", "When", "Flag", "Change", "Reason", "By"], rows, id: "history-table"))
    }

    func mismatchesPanel() -> String {
        guard let mismatches = data.mismatches else { return Self.section("mismatches", "Recent shadow mismatches", Self.unavailable) }
        guard !mismatches.isEmpty else {
            return Self.section("mismatches", "Recent shadow mismatches", #"<p class="muted">None recorded: the read models agreed with legacy on every compared read.</p>"#)
        }
        let rows = mismatches.map { m in
            [HTML.escape(HTML.time(iso: m.seenAt)), "<code>\(HTML.escape(m.flag))</code>", HTML.escape(m.view), HTML.escape(m.module),
             "<code>\(HTML.escape(m.key))</code>", HTML.escape(m.fields.joined(separator: ", "))]
        }
        return Self.section("mismatches", "Recent shadow mismatches",
                            Self.table(["When", "Flag", "View", "Module", "Key", "Fields that differed"], rows))
    }
}
