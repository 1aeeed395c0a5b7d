import CutoverCore

/// Tunables of the projector service.
public struct ProjectorSettings: Sendable {
    /// Change-log rows per batch.
    public var batchSize: Int
    /// After a wake-up, poll this often until a poll finds nothing (covers throttled notifications).
    public var pollAfterWakeup: Duration
    /// Poll this often when nothing wakes the projector.
    public var fallbackPoll: Duration
    /// How often a worker without the lease tries to take it.
    public var leaseRetry: Duration
    /// How often processed change-log rows are pruned.
    public var pruneInterval: Duration
    /// Whether this service runs the capture relay too (benchmarks run one of their own).
    public var runsCaptureRelay = true
    /// How long graceful shutdown may take before what is still running is cancelled (which closes
    /// its connections: a batch in flight is rolled back and applied again later).
    public var shutdownGracePeriod: Duration = .seconds(3)

    public init(batchSize: Int = 500, pollAfterWakeup: Duration = .milliseconds(20), fallbackPoll: Duration = .seconds(1),
                leaseRetry: Duration = .milliseconds(500), pruneInterval: Duration = .seconds(2)) {
        self.batchSize = batchSize
        self.pollAfterWakeup = pollAfterWakeup
        self.fallbackPoll = fallbackPoll
        self.leaseRetry = leaseRetry
        self.pruneInterval = pruneInterval
    }

    /// From the `projector.*` configuration.
    public init(_ config: CutoverConfig.Projector) {
        self.init(batchSize: config.batchSize, pollAfterWakeup: .milliseconds(config.maxLatencyMilliseconds),
                  fallbackPoll: .milliseconds(config.fallbackPollMilliseconds))
    }
}
