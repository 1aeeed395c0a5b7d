import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Ctrl-C during `cutover migrate up`. The first one cancels the statement running on the server
/// (`pg_cancel_backend` on the session holding the migration lock; `pg_terminate_backend` if the
/// run has not stopped 3 s later, e.g. because no statement was running), so `up` fails the way
/// any failing statement makes it fail; the command then says what state the file is in and exits
/// 130. Before the session exists nothing has run and the command exits at once; a second Ctrl-C
/// quits at once too.
final class MigrationInterrupt: Sendable {
    private struct State {
        var pid: Int32?
        var file: MigrationFile?
        var interrupted = false
        var finished = false
    }

    private let state = Mutex(State())
    /// Set once here, then only used by Dispatch (whose sources are thread-safe).
    nonisolated(unsafe) private let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
    private let target: DatabaseTarget
    private let logger: Logger

    init(target: DatabaseTarget, logger: Logger) {
        self.target = target
        self.logger = logger
    }

    /// Takes over SIGINT for the rest of the process.
    func install() {
        signal(SIGINT, SIG_IGN)
        source.setEventHandler { [self] in interrupt() }
        source.resume()
    }

    var wasInterrupted: Bool { state.withLock { $0.interrupted } }

    func sessionStarted(_ pid: Int32) { state.withLock { $0.pid = pid } }

    /// Follows the run: the file being applied, if any.
    func observe(_ event: MigrationEvent) {
        switch event {
        case .started(let file): state.withLock { $0.file = file }
        case .finished: state.withLock { $0.file = nil }
        default: break
        }
    }

    /// The run is over (succeeded or failed): the session must not be touched any more.
    func finish() { state.withLock { $0.finished = true } }

    private func interrupt() {
        let (first, pid) = state.withLock { s -> (Bool, Int32?) in
            defer { s.interrupted = true }
            return (!s.interrupted, s.finished ? nil : s.pid)
        }
        guard first else { Self.quit("second interrupt: quitting at once; run `cutover migrate status` to see what is applied") }
        guard let pid else { Self.quit("interrupted before a migration started: nothing was applied") }
        Self.say("interrupt: cancelling the statement running in the migration session (pid \(pid)); Ctrl-C again quits at once")
        Task { [self] in
            try? await Self.send(pid, "pg_cancel_backend", target: target, logger: logger)
            try? await Task.sleep(for: .seconds(3))
            guard !state.withLock({ $0.finished }) else { return }
            try? await Self.send(pid, "pg_terminate_backend", target: target, logger: logger)
        }
    }

    /// Calls `function` (`pg_cancel_backend`, `pg_terminate_backend`) for `pid`, only while that
    /// backend is still a `cutover migrate` session (a pid may be reused once it ended).
    private static func send(_ pid: Int32, _ function: String, target: DatabaseTarget, logger: Logger) async throws {
        var own = target
        own.applicationName = "cutover migrate interrupt"
        try await Database.withConnection(own, logger: logger) { c in
            _ = try await c.checkedQuery(PostgresQuery(unsafeSQL: """
                SELECT \(function)(pid) FROM pg_stat_activity WHERE pid = \(pid) AND application_name = 'cutover migrate'
                """), logger: logger, doing: "interrupting the migration")
        }
    }

    /// What the interrupted file's state is, from the history: rolled back, or partly applied and
    /// where `up` resumes.
    func report() async {
        let file = state.withLock { $0.file }
        guard let file else {
            print("interrupted between files: the files marked ✓ above are applied, nothing else")
            return
        }
        let partial = try? await Database.withConnection(target, logger: logger) { c in
            try await MigrationHistoryReader.partials(c, logger: logger).first { $0.version == file.version }
        }
        if let partial = partial ?? nil, partial.done > 0 {
            print("interrupted: \(file.filename) is partly applied: statements 1–\(partial.done) of \(partial.total) are done and recorded; `cutover migrate up` resumes at statement \(partial.done + 1)")
        } else if file.transactional {
            print("interrupted: \(file.filename) was rolled back, nothing of it is applied (the files marked ✓ above are)")
        } else {
            print("interrupted: none of \(file.filename)'s statements finished; `cutover migrate up` starts it again (the files marked ✓ above are applied)")
        }
    }

    private static func say(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    private static func quit(_ message: String) -> Never {
        fflush(nil)
        say(message)
        exit(130)
    }
}
