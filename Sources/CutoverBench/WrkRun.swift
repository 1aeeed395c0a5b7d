import CutoverCore
import CutoverPostgres
import Foundation

/// One run of `wrk` (an external HTTP load generator: 2 threads, keep-alive connections, back to
/// back) and what it reported.
struct WrkRun {
    var perSecond: Double
    var requests: Int
    var failures: Int
    var p50: Double
    var p99: Double

    /// `wrk` on the PATH or in /usr/bin.
    static var binary: String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
            let path = directory + "/wrk"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs `wrk` against `url` with the bearer `token`; with `randomID`, each request asks for
    /// `prefix` + a random id from 1 to `maximum` (a Lua script).
    static func run(_ wrk: String, url: String, token: String, connections: Int, seconds: Int,
                    randomID: (prefix: String, maximum: Int)? = nil) throws -> WrkRun {
        var args = ["-t", "2", "-c", "\(connections)", "-d", "\(seconds)s", "--latency", "-H", "Authorization: Bearer \(token)"]
        var script: String?
        if let randomID {
            let path = NSTemporaryDirectory() + "cutover-wrk-\(UUID().uuidString.prefix(8)).lua"
            try """
                math.randomseed(os.time())
                request = function()
                  return wrk.format("GET", "\(randomID.prefix)" .. math.random(1, \(randomID.maximum)))
                end
                """.write(toFile: path, atomically: true, encoding: .utf8)
            args += ["-s", path]
            script = path
        }
        defer { if let script { try? FileManager.default.removeItem(atPath: script) } }
        args.append(url)
        let result = try ProcessRunner(runAsUser: nil).run(wrk, args)
        guard result.succeeded, let parsed = parse(result.output) else {
            throw CoreError(.invalidArgument, "wrk failed: \(result.output.suffix(800))")
        }
        return parsed
    }

    /// Reads wrk's report: `Requests/sec`, the request count, the latency distribution, and
    /// non-2xx/3xx answers and socket errors as failures.
    static func parse(_ output: String) -> WrkRun? {
        var perSecond: Double?
        var requests = 0, failures = 0
        var p50 = 0.0, p99 = 0.0
        for line in output.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let words = line.split(separator: " ").map(String.init)
            if line.hasPrefix("Requests/sec:"), let value = words.last.flatMap(Double.init) { perSecond = value }
            if line.contains("requests in"), let count = words.first.flatMap(Int.init) { requests = count }
            if line.hasPrefix("Non-2xx or 3xx responses:"), let count = words.last.flatMap(Int.init) { failures += count }
            if line.hasPrefix("Socket errors:") {
                for part in line.dropFirst("Socket errors:".count).split(separator: ",") {
                    failures += Int(part.split(separator: " ").last ?? "") ?? 0
                }
            }
            if words.count == 2, words[0] == "50%" { p50 = milliseconds(words[1]) }
            if words.count == 2, words[0] == "99%" { p99 = milliseconds(words[1]) }
        }
        guard let perSecond else { return nil }
        return WrkRun(perSecond: perSecond, requests: requests, failures: failures, p50: p50, p99: p99)
    }

    /// `850.00us`, `1.23ms`, `2.01s` in milliseconds.
    static func milliseconds(_ text: String) -> Double {
        for (unit, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where text.hasSuffix(unit) {
            if let value = Double(text.dropLast(unit.count)) { return value * factor }
        }
        return 0
    }
}
