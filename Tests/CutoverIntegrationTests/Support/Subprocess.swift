import CutoverPostgres
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process for tests that must kill a projector hard (SIGKILL) and start another.
final class Subprocess: @unchecked Sendable {
    let pid: pid_t
    let logPath: String
    private var reaped = false

    init(_ executable: String, _ arguments: [String], logPath: String) throws {
        self.logPath = logPath
        // The child reads its configuration from flags only, not from the test run's CUTOVER_* variables.
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CUTOVER_") }
        pid = try ChildProcess.spawn([executable] + arguments, outputPath: logPath, environment: environment)
    }

    /// Sends `signal` and waits for the process to exit (SIGKILL after 20 s: a test never waits
    /// on a process that ignores its signal; ``stop(_:within:)`` reports that case).
    func kill(_ signal: Int32 = SIGKILL) {
        guard !reaped else { return }
        Glibc.kill(pid, signal)
        if signal != SIGKILL {
            let deadline = ContinuousClock.now + .seconds(20)
            var status: Int32 = 0
            while waitpid(pid, &status, WNOHANG) == 0, ContinuousClock.now < deadline { usleep(20_000) }
            if waitpid(pid, &status, WNOHANG) != 0 { reaped = true; return }
            Glibc.kill(pid, SIGKILL)
        }
        ChildProcess.wait(pid)
        reaped = true
    }

    /// Sends `signal` and waits at most `limit` for the process to exit: its exit status, or `nil`
    /// when it had to be killed with SIGKILL after the limit.
    func stop(_ signal: Int32 = SIGTERM, within limit: Duration) async -> Int32? {
        guard !reaped else { return nil }
        Glibc.kill(pid, signal)
        return await waitForExit(within: limit)
    }

    /// Waits at most `limit` for the process to exit by itself: its exit status, or `nil` when it
    /// had to be killed with SIGKILL after the limit.
    func waitForExit(within limit: Duration) async -> Int32? {
        guard !reaped else { return nil }
        if let status = await ChildProcess.wait(pid, timeout: limit) {
            reaped = true
            return status
        }
        Glibc.kill(pid, SIGKILL)
        ChildProcess.wait(pid)
        reaped = true
        return nil
    }

    /// Whether the process is still running (not reaped).
    var isRunning: Bool {
        guard !reaped else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped = true; return false }
        return true
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { kill() }
}
