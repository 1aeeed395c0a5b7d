import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Starting child processes with `posix_spawn`: stdin from /dev/null, stdout and stderr appended
/// to a file, no other file descriptor of this process, and an empty, default signal state.
public enum ChildProcess {
    /// Spawns `argv[0]` with `argv`; `environment` nil inherits this process's environment.
    public static func spawn(_ argv: [String], outputPath: String, truncate: Bool = false,
                             environment: [String: String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | (truncate ? O_TRUNC : O_APPEND), 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours reaches the child. Swift's and NIO's sockets are not close-on-exec:
        // a PostgreSQL server started through `pg_ctl` (or any child) would keep a copy of every
        // database connection open at that moment, so closing one here no longer ended its
        // session on the server (idle transactions that block slot creation forever, walsenders
        // that keep a capture slot active after the relay closed its connection).
        try closeInheritedDescriptors(&actions)
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
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc: Int32
        if let environment {
            var cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { for p in cEnv { free(p) } }
            rc = posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, &cEnv)
        } else {
            rc = posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, environ)
        }
        guard rc == 0 else {
            throw DatabaseError(.binariesMissing, "cannot run \(argv[0]): \(String(cString: strerror(rc)))", context: ["program": argv[0]])
        }
        return pid
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed).
    @discardableResult
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { break }
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Waits at most `timeout` for `pid` to exit: its exit status (as ``wait(_:)``), or `nil` if it
    /// is still running then.
    public static func wait(_ pid: pid_t, timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            if result == -1, errno != EINTR { return -1 }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does
    /// not import: looked up once at run time.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) throws {
        guard let addCloseFrom else {
            throw DatabaseError(.binariesMissing, "this C library cannot close inherited file descriptors in a child (glibc 2.34 or newer needed)")
        }
        let rc = addCloseFrom(&actions, 3)
        guard rc == 0 else {
            throw DatabaseError(.binariesMissing, "cannot prepare a child process: \(String(cString: strerror(rc)))")
        }
    }
}
