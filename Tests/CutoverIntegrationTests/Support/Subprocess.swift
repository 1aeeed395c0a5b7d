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

    /// Sends `signal` and waits for the process to exit.
    func kill(_ signal: Int32 = SIGKILL) {
        guard !reaped else { return }
        Glibc.kill(pid, signal)
        ChildProcess.wait(pid)
        reaped = true
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit { kill() }
}
