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

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        // The child must not inherit this thread's blocked signals (the Swift runtime blocks some):
        // pgbench -T, for one, then never sees its timer and runs forever.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, environ)
        guard spawned == 0 else {
            throw DatabaseError(.binariesMissing, "cannot run \(argv[0]): \(String(cString: strerror(spawned)))", context: ["program": argv[0]])
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { break }
        }
        let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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
