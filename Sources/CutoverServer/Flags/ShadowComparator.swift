import CutoverCore
import CutoverPostgres
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Runs shadow comparisons off the request path: the request is answered from legacy, then
/// this service reads the read model for the same caller and query and compares the two field by
/// field (``ShadowDiff``). A difference is read again after `recheck` (both sides) and counted only
/// if it persists, so projection lag is not reported as a mismatch. Confirmed mismatches are
/// counted, logged with the key and fields, and stored in `cutover.shadow_mismatches`.
///
/// The queue is bounded: when it is full a comparison is skipped and counted, never blocking reads.
public final class ShadowComparator: Service, Sendable {
    /// One comparison. `compare` reads the read model (and, for the recheck, both sides again) and
    /// returns the differences; it is built by the read API, which knows the types.
    public struct Job: Sendable {
        public var flag: String
        public var view: APIView
        public var module: String
        /// Reads the read model and compares with the legacy answer; `true` for the recheck pass
        /// (then the legacy side is read again too). Returns the mismatches and the read-model time.
        public var compare: @Sendable (_ recheck: Bool) async throws -> (mismatches: [ShadowDiff.Mismatch], readModelMilliseconds: Double)

        public init(flag: String, view: APIView, module: String,
                    compare: @escaping @Sendable (Bool) async throws -> (mismatches: [ShadowDiff.Mismatch], readModelMilliseconds: Double)) {
            self.flag = flag
            self.view = view
            self.module = module
            self.compare = compare
        }
    }

    let stream: AsyncStream<Job>
    let continuation: AsyncStream<Job>.Continuation
    let client: PostgresClient
    let health: ReadHealthMonitor
    let recheck: Duration
    let concurrency: Int
    let logger: Logger

    public init(client: PostgresClient, health: ReadHealthMonitor, queueSize: Int, recheckMilliseconds: Int, concurrency: Int = 2, logger: Logger) {
        (stream, continuation) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .bufferingOldest(queueSize))
        self.client = client
        self.health = health
        self.recheck = .milliseconds(recheckMilliseconds)
        self.concurrency = concurrency
        self.logger = logger
    }

    /// Queues a comparison; skips (and counts) it when the queue is full or shutting down.
    public func submit(_ job: Job) {
        if case .enqueued = continuation.yield(job) { return }
        Counter(label: "cutover_shadow_skipped_total", dimensions: [("flag", job.flag), ("view", job.view.rawValue), ("module", job.module)]).increment()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await job in stream {
                    if running >= concurrency {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { await self.process(job) }
                    running += 1
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()  // finish what is queued, take nothing new
        }
    }

    func process(_ job: Job) async {
        let key = ReadHealthMonitor.Key(flag: job.flag, view: job.view, module: job.module)
        let dimensions = [("flag", job.flag), ("view", job.view.rawValue), ("module", job.module)]
        do {
            var (mismatches, ms) = try await job.compare(false)
            health.recordRead(key, milliseconds: ms, failed: false)
            if !mismatches.isEmpty, recheck > .zero {
                try await Task.sleep(for: recheck)
                (mismatches, _) = try await job.compare(true)
            }
            Counter(label: "cutover_shadow_comparisons_total", dimensions: dimensions).increment()
            health.recordComparison(key, mismatch: !mismatches.isEmpty)
            guard !mismatches.isEmpty else { return }
            Counter(label: "cutover_shadow_mismatches_total", dimensions: dimensions).increment()
            for m in mismatches.prefix(20) {
                logger.warning("shadow mismatch", metadata: ["flag": "\(job.flag)", "view": "\(job.view.rawValue)", "module": "\(job.module)",
                                                             "key": "\(m.key)", "fields": "\(m.fields.joined(separator: ","))"])
            }
            try await client.withConnection { c in
                try await ShadowMismatchStore(logger: logger).record(on: c, flag: job.flag, view: job.view, module: job.module,
                                                                     mismatches: Array(mismatches.prefix(100)))
            }
        } catch is CancellationError {
            return
        } catch {
            health.recordRead(key, milliseconds: 0, failed: true)
            Counter(label: "cutover_shadow_errors_total", dimensions: dimensions).increment()
            logger.warning("shadow read failed", metadata: ["flag": "\(job.flag)", "view": "\(job.view.rawValue)", "module": "\(job.module)",
                                                            "error": "\(Database.translate(error, doing: "shadow read"))"])
        }
    }
}
