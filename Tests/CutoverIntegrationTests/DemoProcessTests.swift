import CutoverCore
import CutoverPostgres
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// `cutover demo` as users start it (README's first command): a cluster of its own, migrations,
/// seed, then the projector and the read API in one process until SIGTERM.
@Suite("cutover demo as a process", .timeLimit(.minutes(10)))
struct DemoProcessTests {
    @Test("demo builds everything, serves the read API with its token, keeps read models current and exits within seconds of SIGTERM")
    func demoEndToEnd() async throws {
        let root = NSTemporaryDirectory() + "cutover-demo-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let dataDirectory = root + "/pg"
        defer {
            DevCluster(dataDirectory: dataDirectory, logger: TestCluster.logger).destroy()
            try? FileManager.default.removeItem(atPath: root)
        }
        let settings = ["--set", "dev.dataDirectory=\(dataDirectory)", "--set", "http.port=0",
                        "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections",
                        "--set", "migrations.directory=\(TestCluster.repositoryRoot)/migrations"]
        let demo = try Subprocess(CLITests.binary, ["demo", "--customers", "600", "--log-level", "info"] + settings, logPath: root + "/demo.log")
        var port: Int?
        let deadline = ContinuousClock.now + .seconds(180)
        while port == nil, ContinuousClock.now < deadline, demo.isRunning {
            try await Task.sleep(for: .milliseconds(200))
            if let range = demo.output.range(of: "read API listening on http://127.0.0.1:") {
                port = Int(demo.output[range.upperBound...].prefix { $0.isNumber })
            }
        }
        let listening = try #require(port, "demo did not start the read API: \(demo.output.suffix(3000))")
        #expect(demo.output.contains("1/4 local PostgreSQL") && demo.output.contains("3/4 demo data"))
        let token = try String(contentsOfFile: root + "/demo-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        func get(_ uri: String) async throws -> (status: HTTPResponse.Status, body: String) {
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(token)"
            let request = TestClient.Request(uri, method: .get, headers: headers, body: nil)
            return try await TestClient.withClient(host: "127.0.0.1", port: listening, configuration: .init(timeout: .seconds(30))) { client in
                let response = try await client.execute(request)
                return (response.status, response.body.map { String(buffer: $0) } ?? "")
            }
        }
        let list = try await get("/v1/customers?territory=DE-BY&limit=5")
        #expect(list.status == .ok, "\(list.body)")
        #expect(list.body.contains("\"items\""))

        // The projector in the same process builds the read models: readiness turns 200.
        var ready = false
        while !ready, ContinuousClock.now < deadline {
            ready = (try? await get("/health/ready"))?.status == .ok
            if !ready { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(ready, "the read models did not become ready: \(demo.output.suffix(2000))")

        // The demo's SQL reader (the hint's psql line) reads its one territory through its own login.
        let readerURL = try String(contentsOfFile: root + "/demo-reader-url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(demo.output.contains("psql \"$(cat ") && demo.output.contains("demo-reader-url"))
        let territories = try await Database.withConnection(DatabaseTarget(url: try DatabaseURL(parsing: readerURL), poolSize: 1),
                                                            logger: TestCluster.logger) { connection in
            var codes: [String] = []
            let rows = try await connection.query("SELECT DISTINCT territory_code FROM read.customer_overview", logger: TestCluster.logger)
            for try await code in rows.decode(String.self) { codes.append(code) }
            return codes
        }
        #expect(territories == ["DE-BY"], "the demo reader must see DE-BY only: \(territories)")

        let start = ContinuousClock.now
        let status = await demo.stop(SIGTERM, within: .seconds(10))
        #expect(status == 0, "demo exited \(status.map(String.init) ?? "not within 10 s") after SIGTERM: \(demo.output.suffix(2000))")
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(demo.output.contains("projector stopped"))
    }
}
