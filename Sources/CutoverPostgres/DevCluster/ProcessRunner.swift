import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs external programs (initdb, pg_ctl, psql) and captures their output.
///
/// When Cutover runs as root, PostgreSQL programs run as the `postgres` OS user through `runuser`,
/// because the server refuses to run as root. Uses `posix_spawn` + `waitpid` directly and sends
/// output to a temporary file: the server that `pg_ctl start` leaves behind must not keep a pipe
/// of ours open, and Foundation's `Process.waitUntilExit` was seen to hang on such children.
/// See ``ChildProcess``.
public struct ProcessRunner: Sendable {
    /// The OS user to run as, or `nil` for the current user.
    public var runAsUser: String?

    public init(runAsUser: String?) {
        self.runAsUser = runAsUser
    }

    /// The result of a finished program.
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var succeeded: Bool { status == 0 }
    }

    /// Whether this process runs as root.
    public static var isRoot: Bool { geteuid() == 0 }

    /// Runs `executable` with `arguments`; stdout and stderr are captured together.
    public func run(_ executable: String, _ arguments: [String]) throws -> Result {
        // `env -C /`: the postgres user may not be allowed into the caller's working directory.
        var argv = ["/usr/bin/env", "-C", "/"]
        if let user = runAsUser { argv += [Self.runuserPath, "-u", user, "--"] }
        argv += [executable] + arguments
        let outputPath = NSTemporaryDirectory() + "cutover-proc-\(UUID().uuidString).log"
        defer { unlink(outputPath) }

        let pid = try ChildProcess.spawn(argv, outputPath: outputPath, truncate: true)
        let exitCode = ChildProcess.wait(pid)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Result(status: exitCode, output: output)
    }

    static var runuserPath: String {
        for candidate in ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        return "/usr/sbin/runuser"
    }
}
