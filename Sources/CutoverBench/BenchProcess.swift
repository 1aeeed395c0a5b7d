import CutoverPostgres
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process (the projector under load), stopped with SIGTERM.
final class BenchProcess: Sendable {
    let pid: pid_t

    init(_ executable: String, _ arguments: [String], log: String) throws {
        pid = try ChildProcess.spawn([executable] + arguments, outputPath: log)
    }

    /// Graceful stop (SIGTERM) and wait.
    func stop() {
        kill(pid, SIGTERM)
        ChildProcess.wait(pid)
    }
}
