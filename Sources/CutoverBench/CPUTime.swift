import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time (user + system) of processes, from /proc, to say where a request's time goes.
enum CPUTime {
    static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// CPU seconds of `pid` so far (`self` for this process).
    static func seconds(pid: String) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticks
    }

    /// CPU seconds of every process named `postgres` (the server and its backends; exited backends are lost).
    static func postgresSeconds() -> Double {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var total = 0.0
        for pid in pids where pid.allSatisfy(\.isNumber) {
            guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8), comm.hasPrefix("postgres") else { continue }
            total += seconds(pid: pid) ?? 0
        }
        return total
    }

    /// A reading of the three parties of an HTTP benchmark.
    struct Split {
        var server: Double
        var postgres: Double
        var client: Double

        static func now(server pid: Int32) -> Split {
            Split(server: seconds(pid: String(pid)) ?? 0, postgres: postgresSeconds(), client: seconds(pid: "self") ?? 0)
        }

        /// Milliseconds per request between two readings.
        func perRequest(since start: Split, requests: Int) -> String {
            let n = Double(max(requests, 1))
            return String(format: "CPU per request: server %.2f ms, PostgreSQL %.2f ms, load client %.2f ms",
                          (server - start.server) * 1000 / n, (postgres - start.postgres) * 1000 / n, (client - start.client) * 1000 / n)
        }
    }
}
