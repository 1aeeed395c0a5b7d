/// How migration statements are bounded: every statement runs with `lock_timeout` so it never
/// waits in a lock queue blocking everybody behind it, and a lock timeout is retried with jittered
/// exponential backoff.
public struct MigrationTimeouts: Sendable, Equatable {
    /// `lock_timeout` in milliseconds (default 1 s).
    public var lockTimeoutMilliseconds: Int
    /// Tries per transactional file or per statement of a non-transactional file (default 10).
    public var lockRetries: Int
    /// `statement_timeout` in seconds; 0 = none (default 600).
    public var statementTimeoutSeconds: Int
    /// First backoff delay; doubles per try up to ``maxBackoffMilliseconds``, with full jitter.
    public var baseBackoffMilliseconds: Int
    public var maxBackoffMilliseconds: Int

    public init(lockTimeoutMilliseconds: Int = 1000, lockRetries: Int = 10, statementTimeoutSeconds: Int = 600,
                baseBackoffMilliseconds: Int = 100, maxBackoffMilliseconds: Int = 5000) {
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        self.lockRetries = lockRetries
        self.statementTimeoutSeconds = statementTimeoutSeconds
        self.baseBackoffMilliseconds = baseBackoffMilliseconds
        self.maxBackoffMilliseconds = maxBackoffMilliseconds
    }

    /// The delay before try `attempt + 1` (attempt counts from 1) given a random fraction in [0, 1):
    /// half fixed, half jitter, so concurrent runners spread out but never retry instantly.
    public func backoffMilliseconds(afterAttempt attempt: Int, random: Double) -> Int {
        let exp = min(Double(maxBackoffMilliseconds), Double(baseBackoffMilliseconds) * Double(1 << min(attempt - 1, 20)))
        return Int(exp / 2 + exp / 2 * random)
    }
}
