import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Counts every served read by view, module and source: as the Prometheus counter
/// `cutover_api_reads_total` and, flushed every few seconds, in `cutover.read_usage` so that a
/// contract guard can ask whether any module still reads the legacy path.
public final class ReadUsageRecorder: Service, Sendable {
    let client: PostgresClient
    let interval: Duration
    let logger: Logger
    let pending = Mutex([ReadUsageStore.Count: Int64]())

    public init(client: PostgresClient, flushSeconds: Double = 5, logger: Logger) {
        self.client = client
        self.interval = .milliseconds(Int64(flushSeconds * 1000))
        self.logger = logger
    }

    /// One read served by `source`.
    public func record(view: APIView, module: String, source: ReadSource) {
        Counter(label: "cutover_api_reads_total", dimensions: [("view", view.rawValue), ("module", module), ("source", source.rawValue)]).increment()
        let minute = Int64(Date().timeIntervalSince1970) / 60 * 60
        pending.withLock { $0[ReadUsageStore.Count(minute: minute, view: view, module: module, source: source), default: 0] += 1 }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                await self.flush()
            }
        }
        await flush()  // what was counted since the last flush
    }

    /// Writes the pending counts; on failure they are kept for the next try.
    public func flush() async {
        let counts = pending.withLock { p in defer { p.removeAll() }; return p }
        guard !counts.isEmpty else { return }
        do {
            try await client.withConnection { c in try await ReadUsageStore(logger: logger).add(on: c, counts) }
        } catch is CancellationError {
            logger.debug("read usage not flushed: cancelled", metadata: ["counters": "\(counts.count)"])
        } catch {
            logger.warning("could not record read usage; keeping the counts for the next flush", metadata: ["error": "\(error)"])
            pending.withLock { p in for (k, n) in counts { p[k, default: 0] += n } }
        }
    }
}
