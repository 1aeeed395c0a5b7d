import CutoverCore
import Foundation

/// The console's HTML: one page with its panels (``ConsolePage+Flags``, ``ConsolePage+Operations``),
/// the login form and short messages. Inline CSS, no script, every value escaped.
struct ConsolePage {
    var data: ConsoleData
    var caller: Caller
    var csrf: String
    /// A confirmation after a change (shown in green).
    var flash: String?
    /// Why a form was refused (shown in red; nothing was changed).
    var error: String?

    /// The whole console.
    func render() -> String {
        let who = "token \(caller.tokenID) (\(caller.role.rawValue), module \(caller.module)\(caller.userID.map { ", user \($0)" } ?? ""))"
        var body = """
            <header><h1>Cutover ops console</h1>
            <nav><a href="#flags">Reader switch</a> <a href="#lag">Lag</a> <a href="#dead-letters">Dead letters</a> \
            <a href="#rebuilds">Rebuilds</a> <a href="#migrations">Migrations</a> <a href="#calendar">Calendar</a> <a href="#history">History</a></nav>
            <form method="post" action="/console/logout" class="logout">\(hidden("csrf", csrf))\
            <span>Signed in as \(HTML.escape(who))</span> <button type="submit">Sign out</button></form></header>
            <main>
            """
        if let error { body += #"<p class="msg error" role="alert" id="error">\#(HTML.escape(error))</p>"# }
        if let flash { body += #"<p class="msg ok" role="status" id="flash">\#(HTML.escape(flash))</p>"# }
        body += #"<p class="muted">Rendered at \#(HTML.escape(HTML.time(data.now))). Reload the page for fresh numbers.</p>"#
        body += flagsPanel() + killSwitchPanel() + lagPanel() + deadLettersPanel() + rebuildsPanel() + migrationsPanel() + calendarPanel()
            + historyPanel() + mismatchesPanel()
        return Self.layout(title: "Cutover ops console", body: body + "</main>")
    }

    func hidden(_ name: String, _ value: String) -> String {
        #"<input type="hidden" name="\#(HTML.escape(name))" value="\#(HTML.escape(value))">"#
    }

    /// The generic text for a section that could not be read (its error is logged).
    static let unavailable = #"<p class="msg error">Could not be loaded right now; the error is logged. Reload to retry.</p>"#

    /// A table from escaped cells: `head` and `rows` are HTML already.
    static func table(_ head: [String], _ rows: [[String]], id: String? = nil) -> String {
        var out = "<table\(id.map { #" id="\#(HTML.escape($0))""# } ?? "")><thead><tr>"
        out += head.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { out += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>" }
        return out + "</tbody></table>"
    }

    static func section(_ id: String, _ title: String, _ content: String) -> String {
        #"<section id="\#(id)"><h2>\#(HTML.escape(title))</h2>\#(content)</section>"#
    }

    /// The sign-in form.
    static func login(error: String?) -> String {
        let message = error.map { #"<p class="msg error" role="alert" id="error">\#(HTML.escape($0))</p>"# } ?? ""
        return layout(title: "Sign in · Cutover ops console", body: """
            <main class="narrow"><h1>Cutover ops console</h1>\(message)
            <form method="post" action="/console/login" class="card">
            <label for="token">API token (role ops or admin)</label>
            <input type="password" id="token" name="token" autocomplete="off" required placeholder="cutover_…">
            <button type="submit">Sign in</button>
            <p class="muted">Create one with <code>cutover tokens create --module 01 --role ops --territories '*'</code>. \
            The session lasts 12 hours or until you sign out; revoking the token ends it.</p>
            </form></main>
            """)
    }

    /// A short page with a title, a text and an optional link.
    static func message(title: String, text: String, action: (href: String, label: String)?) -> String {
        let link = action.map { #"<p><a href="\#(HTML.escape($0.href))">\#(HTML.escape($0.label))</a></p>"# } ?? ""
        return layout(title: title + " · Cutover ops console", body: """
            <main class="narrow"><h1>\(HTML.escape(title))</h1><p class="msg error" role="alert">\(HTML.escape(text))</p>\(link)</main>
            """)
    }

    static func layout(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer"><title>\(HTML.escape(title))</title><style>\(css)</style></head>
        <body>\(body)</body></html>
        """
    }

    static let css = """
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
        header{background:#24292f;color:#fff;padding:10px 24px;display:flex;flex-wrap:wrap;gap:8px 24px;align-items:center}
        header h1{font-size:18px;margin:0}header nav a{color:#c9d1d9;margin-right:12px;text-decoration:none}header nav a:hover{color:#fff}
        header .logout{margin-left:auto;display:flex;gap:10px;align-items:center;color:#c9d1d9;font-size:13px}
        main{max-width:1240px;margin:0 auto;padding:16px 24px 48px}main.narrow{max-width:560px;padding-top:48px}
        section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 18px;margin:16px 0}
        h2{font-size:16px;margin:0 0 10px}h3{font-size:14px;margin:14px 0 6px}
        table{border-collapse:collapse;width:100%;margin:6px 0}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eaeef2;vertical-align:middle}
        th{font-weight:600;color:#57606a;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
        td form,form.row{display:flex;gap:6px;align-items:center;margin:0}form.row{max-width:720px}
        input,select,button{font:inherit;padding:4px 8px;border:1px solid #8c959f;border-radius:6px;background:#fff}
        input[name=percent]{width:64px}input[name=reason]{flex:1;min-width:160px}
        button{background:#f6f8fa;cursor:pointer}button.danger{background:#cf222e;color:#fff;border-color:#a40e26}
        button.primary{background:#1f883d;color:#fff;border-color:#1a7f37}
        .card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:18px;display:flex;flex-direction:column;gap:10px}
        .msg{padding:8px 12px;border-radius:6px;margin:10px 0}.error{background:#ffebe9;border:1px solid #ff8182}.ok{background:#dafbe1;border:1px solid #4ac26b}
        .muted{color:#57606a;font-size:12px}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff1f3;padding:1px 4px;border-radius:4px}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid transparent}
        .b-legacy{background:#eff1f3;color:#424a53}.b-shadow{background:#fff8c5;color:#7d4e00}.b-read_model{background:#dafbe1;color:#116329}
        .b-kill{background:#ffebe9;color:#a40e26}.b-on{background:#ffebe9;color:#a40e26}.b-off{background:#dafbe1;color:#116329}
        .b-deny{background:#ffebe9;color:#a40e26}.b-throttle{background:#fff8c5;color:#7d4e00}.b-allow{background:#dafbe1;color:#116329}
        .legend span{margin-right:16px;white-space:nowrap}.swatch{display:inline-block;width:12px;height:3px;vertical-align:middle;margin-right:6px}
        .bar{background:#eaeef2;border-radius:4px;height:10px;width:220px;display:inline-block;vertical-align:middle;overflow:hidden}
        .bar i{display:block;height:100%;background:#1f6feb}.chart{display:block;max-width:100%;height:auto}
        .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:0 16px}
        """
}
