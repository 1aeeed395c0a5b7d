import Dispatch

/// Runs blocking work (a child process waited for with `waitpid`: initdb, pg_ctl, pg_basebackup)
/// on a Dispatch thread instead of a thread of Swift's cooperative pool. The pool has one
/// thread per core: two such waits on a 2-core machine would stall every task of the process
/// for as long as they take.
public enum OffPool {
    public static func run<R: Sendable>(_ work: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
