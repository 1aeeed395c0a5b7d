import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Keeps the read API's view of how old the read models are: every projection's lag (from the
/// primary) and, with a hot standby, the replica's replay lag. Polled once a second so requests
/// only read memory; readiness is derived from the same numbers.
public final class LagMonitor: Service, Sendable {
    public struct Snapshot: Sendable {
        /// Seconds per projection; a projection that is not built is absent.
        public var lagSeconds: [String: Double] = [:]
        public var replicaLagSeconds: Double?
        /// When the last poll succeeded (monotonic).
        public var polledAt: ContinuousClock.Instant?
        public var error: String?
    }

    let target: DatabaseTarget
    let replica: PostgresClient?
    let projections: [ProjectionDefinition]
    let interval: Duration
    let logger: Logger
    let state = Mutex(Snapshot())
    /// The last hour of successful polls (the ops console's lag chart).
    public let history: LagHistory

    public init(target: DatabaseTarget, replica: PostgresClient?, projections: [ProjectionDefinition], interval: Duration = .seconds(1), logger: Logger) {
        self.target = target
        self.replica = replica
        self.projections = projections
        self.interval = interval
        self.logger = logger
        self.history = LagHistory(intervalSeconds: interval.seconds)
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Polls until the service group shuts down.
    public func run() async throws {
        let lagGauge = Gauge(label: "cutover_api_read_model_lag_seconds")
        let replicaGauge = Gauge(label: "cutover_api_replica_lag_seconds")
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await poll()
            let s = snapshot
            lagGauge.record(s.lagSeconds.values.max() ?? 0)
            if let r = s.replicaLagSeconds { replicaGauge.record(r) }
            // Ends the sleep early on graceful shutdown.
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Waits until the first poll finished (successfully or not), at most `limit`.
    public func waitForFirstPoll(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, !Task.isCancelled {
            let polled = state.withLock { $0.polledAt != nil || $0.error != nil }
            if polled { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// One poll.
    public func poll() async {
        do {
            let rows = try await ProjectorAdmin(target: target, logger: logger).status(projections)
            var lags: [String: Double] = [:]
            for row in rows where row.installed { lags[row.projection] = row.lagSeconds }
            var replicaLag: Double?
            if let replica {
                let result = try await replica.query("""
                    SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
                                WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                                ELSE coalesce(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0) END::float8
                    """, logger: logger)
                for try await lag in result.decode(Double.self) { replicaLag = lag }
            }
            let now = ContinuousClock.now
            state.withLock { $0 = Snapshot(lagSeconds: lags, replicaLagSeconds: replicaLag, polledAt: now, error: nil) }
            history.record(LagHistory.Sample(at: Date().timeIntervalSince1970, lagSeconds: lags))
        } catch {
            logger.warning("lag poll failed", metadata: ["error": "\(error)"])
            state.withLock { $0.error = "database unavailable" }
        }
    }

    /// The lag a projection may show while healthy: `maxLagSeconds` plus its coalescing interval
    /// (a projection with `minIntervalMs` applies changes at most that often, by design).
    public static func allowedLag(_ projection: ProjectionDefinition, maxLagSeconds: Double) -> Double {
        maxLagSeconds + Double(projection.minIntervalMilliseconds) / 1000
    }

    /// Ready when the last poll is recent and succeeded and every projection is built and within
    /// its ``allowedLag(_:maxLagSeconds:)``.
    public func readiness(maxLagSeconds: Double) -> (ready: Bool, detail: String) {
        let s = snapshot
        guard s.error == nil, let polled = s.polledAt, ContinuousClock.now - polled < interval * 5 else {
            return (false, s.error ?? "no lag reading yet")
        }
        for p in projections {
            guard let lag = s.lagSeconds[p.name] else { return (false, "\(p.name) is not built yet") }
            let allowed = Self.allowedLag(p, maxLagSeconds: maxLagSeconds)
            if lag > allowed { return (false, "\(p.name) lags \(String(format: "%.1f", lag)) s (limit \(String(format: "%.1f", allowed)) s)") }
        }
        if let r = s.replicaLagSeconds, r > maxLagSeconds { return (false, "replica lags \(Int(r)) s") }
        return (true, "database answers; read models within \(Int(maxLagSeconds)) s")
    }
}
