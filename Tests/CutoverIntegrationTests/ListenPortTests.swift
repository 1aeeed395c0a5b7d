import CutoverCore
import CutoverPostgres
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP port of `serve` and `project`: one in use is a temporary condition (exit 75) named in
/// the message; with `http.port=0` the port printed is the one actually bound.
@Suite("HTTP listen port", .timeLimit(.minutes(5)))
struct ListenPortTests {
    /// A loopback socket listening on a port the system chose, until `close()`.
    final class HeldPort: Sendable {
        let descriptor: Int32
        let port: Int

        init() throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = descriptor
            let listening = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard listening else { Glibc.close(descriptor); throw POSIXError(.EADDRINUSE) }
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        func close() { Glibc.close(descriptor) }
    }

    @Test("a port in use: serve and project exit 75 naming the port instead of an unexpected error (70)")
    func portInUse() async throws {
        let db = try await TestCluster.shared.migratedDatabase()
        let held = try HeldPort()
        defer { held.close() }
        let common = ["--database-url", db.url.urlWithPassword, "--set", "http.port=\(held.port)",
                      "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections"]
        for command in ["serve", "project"] {
            let run = try CLITests().cutover([command] + common)
            #expect(run.status == 75, "\(command): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains("http.port \(held.port) on 127.0.0.1 is in use"), "\(command): \(run.stderr)")
            #expect(!run.stderr.contains("unexpected error"), "\(command): \(run.stderr)")
        }
    }

    @Test("project --set http.port=0 prints the port it bound, and that port answers")
    func printsBoundPort() async throws {
        let db = try await TestCluster.shared.projectedDatabase()
        let log = NSTemporaryDirectory() + "cutover-project-port-\(UUID().uuidString).log"
        let child = try Subprocess(CLITests.binary, ["project", "--database-url", db.url.urlWithPassword, "--set", "http.port=0",
                                                     "--set", "projections.directory=\(TestCluster.repositoryRoot)/projections"], logPath: log)
        defer { child.kill() }
        var port: Int?
        for _ in 0..<600 where port == nil {
            if let range = child.output.range(of: "metrics and health on http://127.0.0.1:") {
                port = Int(child.output[range.upperBound...].prefix { $0.isNumber })
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let bound = try #require(port, "no listening line: \(child.output)")
        #expect(bound != 0)
        let status = try ExportedMetricsTests.get("http://127.0.0.1:\(bound)/health/live", to: NSTemporaryDirectory() + "live-\(UUID().uuidString)")
        #expect(status == "200", "\(child.output)")
    }
}
