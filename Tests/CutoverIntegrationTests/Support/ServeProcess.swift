import CutoverPostgres
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A `cutover serve` child process on a free port, for tests across processes.
final class ServeProcess: Sendable {
    let process: Subprocess
    let port: Int

    init(_ db: DatabaseTarget, settings: [String] = [], logLevel: String = "warning") async throws {
        let log = NSTemporaryDirectory() + "cutover-serve-\(UUID().uuidString).log"
        var arguments = ["serve", "--database-url", db.url.urlWithPassword, "--set", "http.port=0",
                         "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections", "--log-level", logLevel,
                         // A small pool: many of these run at once against the one test cluster.
                         "--set", "database.poolSize=3",
                         // Generous bounds: the whole suite shares two cores (tests that check the
                         // bounds set their own, later --set wins).
                         "--set", "api.connectionWaitMilliseconds=30000", "--set", "api.readModelStatementTimeoutMilliseconds=60000",
                         "--set", "api.legacyStatementTimeoutMilliseconds=60000"]
        for setting in settings { arguments += ["--set", setting] }
        process = try Subprocess(CLITests.binary, arguments, logPath: log)
        var found: Int?
        for _ in 0..<300 where found == nil {
            try await Task.sleep(for: .milliseconds(100))
            if let range = process.output.range(of: "listening on http://127.0.0.1:") {
                found = Int(process.output[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else {
            process.kill(SIGTERM)
            throw ServeProcessError(message: "cutover serve did not start: \(process.output.suffix(2000))")
        }
        port = found
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// One request; returns status and body.
    func request(_ method: HTTPRequest.Method, _ uri: String, token: String?, body: String? = nil) async throws -> (status: HTTPResponse.Status, body: String) {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        let request = TestClient.Request(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30))) { client in
            let response = try await client.execute(request)
            return (response.status, response.body.map { String(buffer: $0) } ?? "")
        }
    }

    /// A GET with the response headers too.
    func get(_ uri: String, token: String?, headers extra: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: String) {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        let request = TestClient.Request(uri, method: .get, headers: headers, body: nil)
        return try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(30))) { client in
            let response = try await client.execute(request)
            return (response.status, response.headers, response.body.map { String(buffer: $0) } ?? "")
        }
    }

    func stop() { process.kill(SIGTERM) }
}

struct ServeProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
