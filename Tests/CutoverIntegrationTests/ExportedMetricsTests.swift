import CutoverCore
import CutoverPostgres
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Prometheus rules in config/prometheus/ only use metric names that a live `cutover serve`
/// and `cutover project` export (scripts/prometheus-rules.sh --exported compares them).
@Suite("Exported metrics", .timeLimit(.minutes(5)))
struct ExportedMetricsTests {
    @Test("every metric the alerting and recording rules use is in the /metrics of a live serve and project")
    func rulesUseExportedMetrics() async throws {
        let db = try await TestCluster.shared.projectedDatabase(capture: .wal)
        let root = TestCluster.repositoryRoot
        let common = [
            "--database-url", db.url.urlWithPassword, "--log-level", "error",
            "--set", "projections.directory=\(root)/projections", "--set", "migrations.directory=\(root)/migrations",
            "--set", "migrations.blackouts=\(root)/config/blackouts.yaml",
        ]
        let serve = try Subprocess(CLITests.binary, ["serve", "--set", "http.port=0"] + common,
                                   logPath: NSTemporaryDirectory() + "cutover-serve-\(UUID().uuidString).log")
        defer { serve.kill(SIGTERM) }
        let projectorPort = try Self.freePort()
        let project = try Subprocess(CLITests.binary, ["project", "--set", "http.port=\(projectorPort)"] + common,
                                     logPath: NSTemporaryDirectory() + "cutover-project-\(UUID().uuidString).log")
        defer { project.kill(SIGTERM) }

        var port: Int?
        for _ in 0..<300 where port == nil {
            try await Task.sleep(for: .milliseconds(100))
            if let range = serve.output.range(of: "listening on http://127.0.0.1:") {
                port = Int(serve.output[range.upperBound...].prefix { $0.isNumber })
            }
        }
        let api = "http://127.0.0.1:\(try #require(port, "cutover serve did not start: \(serve.output)"))"
        let work = NSTemporaryDirectory() + "cutover-scrapes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // The request metrics exist once a request was served: one read with a token, one refused.
        let token = try await APIHarness.token(db, territories: ["DE-BY"])
        #expect(try Self.get(api + "/v1/customers?territory=DE-BY&limit=1", to: work + "/read.json", token: token) == "200")
        #expect(try Self.get(api + "/v1/customers?territory=DE-BY", to: work + "/refused.json") == "401")

        var files: [String] = []
        for (name, base) in [("serve", api), ("project", "http://127.0.0.1:\(projectorPort)")] {
            let path = work + "/\(name).txt"
            var scraped = false
            // The projector's metrics appear once its workers ran; it may still be starting.
            for _ in 0..<100 where !scraped {
                if try Self.get(base + "/metrics", to: path) == "200" {
                    scraped = name == "serve" || ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains("cutover_projector_lag_seconds")
                        && ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains("cutover_capture_slot_retained_bytes")
                }
                if !scraped { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(scraped, "no /metrics from cutover \(name):\n\(name == "serve" ? serve.output : project.output)")
            files.append(path)
        }
        let run = try ProcessRunner(runAsUser: nil).run("/bin/bash", [root + "/scripts/prometheus-rules.sh", "--exported"] + files)
        #expect(run.succeeded, "\(run.output)")
    }

    /// GET with curl into `file`; returns the HTTP status ("000" when nothing answers).
    static func get(_ url: String, to file: String, token: String? = nil) throws -> String {
        let auth = token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
        let run = try ProcessRunner(runAsUser: nil).run("/usr/bin/curl", ["-sS", "--max-time", "10", "-o", file, "-w", "%{http_code}"] + auth + [url])
        return String(run.output.suffix(3))
    }

    /// A loopback port nobody listens on right now (for `cutover project`, which prints its configured port).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
