import CutoverPostgres
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization

/// What a browser without JavaScript does on the ops console: GETs and urlencoded form POSTs,
/// keeping the session cookie like a cookie jar (one cookie, no redirects followed).
final class ConsoleBrowser: Sendable {
    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
        var setCookie: String? { headers[.setCookie] }
    }

    let port: Int
    let cookie = Mutex<String?>(nil)

    init(port: Int) {
        self.port = port
    }

    func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> Page {
        try await send(.get, path, body: nil, headers: extra)
    }

    /// POSTs `fields` as `application/x-www-form-urlencoded`.
    func post(_ path: String, _ fields: [(String, String)], headers extra: HTTPFields = [:]) async throws -> Page {
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, path, body: body, headers: headers)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, body: String?, headers extra: HTTPFields) async throws -> Page {
        var headers = extra
        if let value = cookie.withLock({ $0 }) { headers[.cookie] = "cutover_console=\(value)" }
        let request = TestClient.Request(path, method: method, authority: "127.0.0.1:\(port)", headers: headers, body: body.map { ByteBuffer(string: $0) })
        let page = try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30))) { client in
            let response = try await client.execute(request)
            return Page(status: response.status, headers: response.headers, body: response.body.map { String(buffer: $0) } ?? "")
        }
        if let set = page.setCookie, set.hasPrefix("cutover_console=") {
            let value = set.dropFirst("cutover_console=".count).prefix { $0 != ";" }
            cookie.withLock { $0 = value.isEmpty || set.contains("Max-Age=0") ? nil : String(value) }
        }
        return page
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The value of the first hidden field `name` on `page`.
    static func hiddenField(_ name: String, in page: String) -> String? {
        guard let range = page.range(of: #"name="\#(name)" value=""#) else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The inner HTML of the element with `id` up to its first closing tag `close`.
    static func element(_ id: String, in page: String, close: String = "</span></span>") -> String? {
        guard let range = page.range(of: #"id="\#(id)""#) else { return nil }
        let rest = page[range.upperBound...]
        return rest.range(of: close).map { String(rest[..<$0.lowerBound]) }
    }
}

/// Headless Chromium (Debian package `chromium`) as a real browser for the console: the DOM it
/// builds and a screenshot. Each call uses a fresh profile.
enum HeadlessChromium {
    static var binary: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The DOM after loading `url` (stderr, full of D-Bus noise in containers, is dropped).
    static func dumpDOM(_ url: String) throws -> String {
        try run(["--dump-dom", url]).output
    }

    /// A PNG screenshot of `url` at 1280×3800 (the whole console). (Chromium's headless screenshot needs scripts
    /// enabled for itself; the console's Content-Security-Policy lets no page script run anyway.)
    static func screenshot(_ url: String, to path: String) throws -> ProcessRunner.Result {
        try run(["--screenshot=\(path)", "--window-size=1280,3800", "--hide-scrollbars", url])
    }

    private static func run(_ arguments: [String]) throws -> ProcessRunner.Result {
        guard let binary else { throw ServeProcessError(message: "chromium is not installed (scripts/install-deps.sh chromium)") }
        let profile = NSTemporaryDirectory() + "cutover-chromium-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let argv = ["timeout", "120", binary, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--user-data-dir=\(profile)"] + arguments
        let command = "exec " + argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ") + " 2>/dev/null"
        return try ProcessRunner(runAsUser: nil).run("/bin/sh", ["-c", command])
    }
}
