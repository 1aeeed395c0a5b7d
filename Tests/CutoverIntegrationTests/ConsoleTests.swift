import CutoverCore
import CutoverPostgres
import CutoverServer
import Foundation
import HTTPTypes
import Testing

/// The ops console of a real `cutover serve`: sign-in and CSRF as a browser without JavaScript
/// sends them, a flag flipped through the console's form, and the page as headless Chromium
/// renders it (DOM and a screenshot kept as a test artifact).
@Suite("Ops console", .timeLimit(.minutes(10)))
struct ConsoleTests {
    @Test("sign in with an ops token, flip a reader flag through the form (reason required, CSRF checked), see it in Chromium; login links work once")
    func consoleFlow() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let ops = try await APIHarness.token(db, module: "01", role: .ops, territories: ["*"])
        let reader = try await APIHarness.token(db, module: "02", territories: ["DE-BY"])
        // A dead letter whose error holds markup: the page must show it escaped.
        try await SQL.exec(db, "INSERT INTO cutover.dead_letters (projection, key, error) VALUES ('customer_overview', '4711', '<b>boom</b> & \"quotes\"')")
        // A small pool: the suite's tests share one cluster's connections.
        let server = try await ServeProcess(db, settings: ["migrations.blackouts=\(TestCluster.repositoryRoot)/config/blackouts.yaml", "database.poolSize=3"])
        defer { server.stop() }
        let browser = ConsoleBrowser(port: server.port)

        // Without a session: the sign-in form, no script anywhere.
        let signIn = try await browser.get("/console")
        #expect(signIn.status == .ok && signIn.body.contains(#"name="token""#) && !signIn.body.contains("<script"))
        let refused = try await browser.post("/console/login", [("token", reader)])
        #expect(refused.status == .forbidden && refused.body.contains("Ops or admin token needed") && refused.body.contains("role reader"))
        #expect(try await browser.post("/console/login", [("token", "cutover_" + String(repeating: "0", count: 40))]).status == .unauthorized)
        #expect(browser.cookie.withLock { $0 } == nil)

        let login = try await browser.post("/console/login", [("token", ops)])
        #expect(login.status == .seeOther && login.headers[.location] == "/console")
        let setCookie = try #require(login.setCookie)
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/console"), "\(setCookie)")

        let before = try await browser.get("/console")
        #expect(before.status == .ok)
        // No script on the page, and none could run: the policy allows no script source.
        #expect(!before.body.contains("<script") && before.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
        #expect(ConsoleBrowser.element("serves-customer_reads-02", in: before.body)?.contains(">legacy") == true)
        #expect(before.body.contains("&lt;b&gt;boom&lt;/b&gt; &amp; &quot;quotes&quot;") && !before.body.contains("<b>boom"))
        #expect(before.body.contains(#"id="dead-letters-customer_overview">1<"#))
        #expect(before.body.contains("<svg") && before.body.contains("History since"))
        #expect(before.body.contains("V001") && before.body.contains("Blackout calendar") && before.body.contains(#"id="blackout-next""#))
        let csrf = try #require(ConsoleBrowser.hiddenField("csrf", in: before.body))
        #expect(csrf.count == 64)

        // Chromium before the change, signed in through a one-time login link.
        let dom = try await chromiumDOM(server, ops)
        #expect(dom.contains("Cutover ops console") && dom.contains("Reader switch"))
        #expect(ConsoleBrowser.element("serves-customer_reads-02", in: dom)?.contains(">legacy") == true, "\(dom.prefix(3000))")

        // Refused forms change nothing.
        let change = [("flag", "customer_reads"), ("module", "02"), ("state", "shadow"), ("percent", "100")]
        #expect(try await browser.post("/console/flags", change + [("reason", "no csrf")]).status == .forbidden)
        #expect(try await browser.post("/console/flags", change + [("csrf", String(repeating: "a", count: 64)), ("reason", "bad csrf")]).status == .forbidden)
        var foreign = HTTPFields()
        foreign[.origin] = "http://evil.example"
        #expect(try await browser.post("/console/flags", change + [("csrf", csrf), ("reason", "cross-site")], headers: foreign).status == .forbidden)
        let noReason = try await browser.post("/console/flags", change + [("csrf", csrf), ("reason", "  ")])
        #expect(noReason.status == .badRequest && noReason.body.contains("A reason is required"))
        #expect(try await SQL.scalar(db, "SELECT version::text FROM cutover.flags WHERE name = 'customer_reads'") == "1")

        // The change, as the form sends it.
        let reason = "console test: shadow for module 02 <ok>"
        let changed = try await browser.post("/console/flags", change + [("csrf", csrf), ("reason", reason)])
        #expect(changed.status == .seeOther, "\(changed.body.prefix(2000))")
        let location = try #require(changed.headers[.location])
        #expect(location.hasPrefix("/console?changed="))
        let after = try await browser.get(String(location.prefix { $0 != "#" }))
        #expect(after.body.contains(#"id="flash""#) && after.body.contains("reason: console test: shadow for module 02 &lt;ok&gt;"))
        #expect(ConsoleBrowser.element("serves-customer_reads-02", in: after.body)?.contains(">shadow") == true)
        #expect(ConsoleBrowser.element("serves-customer_reads-03", in: after.body)?.contains(">legacy") == true)
        let audit = try #require(try await SQL.scalar(db, "SELECT changed_by || ' | ' || new_value::text FROM cutover.flag_audit WHERE reason = '\(reason)'"))
        #expect(audit.hasPrefix("token ") && audit.contains("(ops, module 01) via console") && audit.contains(#""02": {"percent": 100, "variant": "shadow"}"#), "\(audit)")

        // The kill switch through its form: every module serves legacy while it is on.
        let killed = try await browser.post("/console/flags", [("csrf", csrf), ("flag", "reads_kill_switch"), ("module", "default"), ("state", "on"), ("reason", "console test")])
        #expect(killed.status == .seeOther)
        let dark = try await browser.get("/console")
        #expect(ConsoleBrowser.element("serves-customer_reads-02", in: dark.body)?.contains("legacy (kill switch)") == true)
        _ = try await browser.post("/console/flags", [("csrf", csrf), ("flag", "reads_kill_switch"), ("module", "default"), ("state", "off"), ("reason", "console test done")])

        // Chromium after the change: the new state and the audit row's reason, then the screenshot.
        let domAfter = try await chromiumDOM(server, ops)
        #expect(ConsoleBrowser.element("serves-customer_reads-02", in: domAfter)?.contains(">shadow") == true)
        #expect(domAfter.contains("console test: shadow for module 02 &lt;ok&gt;"))
        let png = try await screenshot(server, ops)
        #expect(png.count > 40_000, "the screenshot has \(png.count) bytes")
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        // Login links: ops and admin tokens only, each link works once.
        #expect(try await server.request(.post, "/console/login-links", token: reader).status == .forbidden)
        #expect(try await server.request(.post, "/console/login-links", token: nil).status == .unauthorized)
        let link = try await loginLink(server, ops)
        let linked = ConsoleBrowser(port: server.port)
        let first = try await linked.get(link)
        #expect(first.status == .seeOther && first.setCookie?.contains("HttpOnly") == true)
        #expect(try await linked.get("/console").body.contains("Reader switch"))
        #expect(try await ConsoleBrowser(port: server.port).get(link).status == .forbidden)

        // Scripts may use a Bearer token; signing out clears the cookie.
        #expect(try await ConsoleBrowser(port: server.port).get("/console", headers: APIHarness.bearer(ops)).body.contains("Reader switch"))
        let out = try await browser.post("/console/logout", [("csrf", csrf)])
        #expect(out.status == .seeOther && out.setCookie?.contains("Max-Age=0") == true)
        #expect(try await browser.get("/console").body.contains(#"name="token""#))
    }

    @Test("the lag history keeps only its window, in a bounded ring buffer")
    func lagHistory() {
        let history = LagHistory(windowSeconds: 60, intervalSeconds: 1, startedAt: 1000)
        for i in 0..<500 { history.record(.init(at: 1000 + Double(i), lagSeconds: ["p": Double(i % 7)])) }
        #expect(history.capacity == 120)
        let samples = history.samples(now: 1499)
        #expect(samples.count == 61 && samples.first?.at == 1439 && samples.last?.at == 1499)
    }

    func loginLink(_ server: ServeProcess, _ token: String) async throws -> String {
        let link = try await server.request(.post, "/console/login-links", token: token)
        #expect(link.status == .ok, "\(link.body)")
        let json = try APIHarness.json(link.body)
        return try #require(json["path"] as? String)
    }

    func chromiumDOM(_ server: ServeProcess, _ token: String) async throws -> String {
        let path = try await loginLink(server, token)
        return try HeadlessChromium.dumpDOM(server.base + path)
    }

    /// Takes the screenshot into `$CUTOVER_TEST_ARTIFACTS` (else the temp folder) and prints where.
    func screenshot(_ server: ServeProcess, _ token: String) async throws -> Data {
        let directory = ProcessInfo.processInfo.environment["CUTOVER_TEST_ARTIFACTS"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/console-\(UUID().uuidString.prefix(8)).png"
        let path = try await loginLink(server, token)
        let run = try HeadlessChromium.screenshot(server.base + path, to: file)
        #expect(run.succeeded, "chromium failed: \(run.output.suffix(2000))")
        let png = try Data(contentsOf: URL(fileURLWithPath: file))
        print("console screenshot: \(file) (\(png.count) bytes)")
        return png
    }
}
