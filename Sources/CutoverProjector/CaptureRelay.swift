import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Change capture's reading side: streams the database's capture slot (logical decoding of the
/// captured tables' row changes, `pgoutput`) and writes each committed transaction's changes to
/// `cutover.change_log`, from where the projection workers take them.
///
/// Writers pay nothing beyond the WAL they write anyway (tables are `REPLICA IDENTITY FULL`, so
/// updates and deletes log the old row). Transactions arrive in commit order once committed: an
/// open transaction holds back nobody else's changes. Each batch of transactions is one insert
/// plus the relay position (`cutover.capture_relay`) in one statement; only after it committed
/// does the relay confirm the position to the slot, and after a crash it skips transactions at or
/// before the stored position. So a change is relayed exactly once, whatever dies when.
///
/// Only one process can stream a slot: with several projectors the others stand by and take over
/// within about a second once the streaming one is gone.
///
/// A swift-service-lifecycle `Service`: on graceful shutdown it writes what it received and
/// returns; on cancellation its connections are closed and it returns at once (what it had not
/// confirmed is streamed again by the next relay and skipped if already written).
public final class CaptureRelay: Service, Sendable {
    let target: DatabaseTarget
    let capturedColumns: [String: [String]]
    let settings: ProjectorSettings
    let wakeAll: @Sendable () -> Void
    let logger: Logger
    let metrics = CaptureRelayMetrics()

    /// The publication the capture migration creates.
    static let publication = CaptureSQL.publication

    /// A relay for the source tables of `projections`; `wakeAll` runs after each batch that wrote changes.
    public init(projections: [ProjectionDefinition], target: DatabaseTarget, settings: ProjectorSettings,
         wakeAll: @escaping @Sendable () -> Void, logger: Logger) {
        var columns: [String: [String]] = [:]
        for (table, cols) in CaptureSQL.capturedColumns(projections) { columns[table] = cols }
        self.capturedColumns = columns
        self.target = target
        self.settings = settings
        self.wakeAll = wakeAll
        var logger = logger
        logger[metadataKey: "component"] = "capture-relay"
        self.logger = logger
        // Exported from the start, so dashboards and alerts see the relay before it first streams.
        metrics.streaming.record(0)
    }

    /// Graceful shutdown was triggered or the task was cancelled.
    var isStopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    /// Sleeps for `duration`, or less if graceful shutdown or cancellation comes first.
    func pause(_ duration: Duration) async {
        _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    /// Streams until graceful shutdown or cancellation; reconnects with backoff after any failure.
    public func run() async {
        var backoff = Duration.milliseconds(250)
        var standingBy = false
        var notReadyLogged = false
        while !isStopping {
            do {
                try await relay(onStreaming: {
                    if standingBy { self.logger.notice("took over streaming the capture slot") }
                    standingBy = false
                    notReadyLogged = false
                    backoff = .milliseconds(250)
                })
            } catch let error as DatabaseError where error.sqlState == "55006" {
                // Another process streams the slot. Stand by; take over once it is gone.
                if !standingBy { logger.info("another projector streams the capture slot; standing by") }
                standingBy = true
                metrics.streaming.record(0)
                await pause(settings.leaseRetry * 2)
            } catch let error as DatabaseError where error.code == .captureNotReady {
                // Not migrated yet, or capture through the WAL rolled back to triggers (which write the
                // change log themselves): nothing to relay. Say so once, then look again now and then.
                metrics.streaming.record(0)
                if !notReadyLogged { logger.notice("the capture relay waits: \(error.message)") }
                notReadyLogged = true
                await pause(.seconds(10))
            } catch {
                metrics.streaming.record(0)
                if isStopping { break }
                let reason = error is DatabaseError || error is CoreError ? "\(error)" : "\(Database.translate(error, doing: "relaying captured changes"))"
                logger.warning("capture relay failed; reconnecting", metadata: ["error": "\(reason)", "backoff": "\(backoff)"])
                await pause(backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        metrics.streaming.record(0)
    }
}

/// The relay's metrics.
struct CaptureRelayMetrics: Sendable {
    let changes = Counter(label: "cutover_capture_relayed_changes_total")
    let transactions = Counter(label: "cutover_capture_relayed_transactions_total")
    let batches = Timer(label: "cutover_capture_relay_batch_duration_seconds", preferredDisplayUnit: .seconds)
    let lag = Gauge(label: "cutover_capture_relay_lag_seconds")
    let streaming = Gauge(label: "cutover_capture_relay_streaming")
}
