import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Keeps a ``FlagCache`` current: LISTENs on `cutover_flags` on its own connection and reloads on
/// every notification, reloads every `refresh` anyway (a lost notification costs at most that),
/// and reconnects with backoff (postgres-nio's `listen` never reconnects). After a reconnect it
/// reloads before anything else, so changes made meanwhile are picked up.
public struct FlagSyncService: Service {
    let target: DatabaseTarget
    let cache: FlagCache
    let refresh: Duration
    let logger: Logger
    let reloads = Counter(label: "cutover_flags_reloads_total")
    let failures = Counter(label: "cutover_flags_load_failures_total")
    let lastLoad = Gauge(label: "cutover_flags_last_load_timestamp_seconds")

    public init(target: DatabaseTarget, cache: FlagCache, refreshSeconds: Double, logger: Logger) {
        self.target = target
        self.cache = cache
        self.refresh = .milliseconds(Int64(refreshSeconds * 1000))
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
    }

    func loop() async {
        let sync = ListenLoop(target: target, channel: FlagStore.channel, logger: logger)
        await sync.run(afterFailure: { _ in
            failures.increment()
            cache.noteFailure("the flags connection failed; reconnecting")
        }) { connection, notifications in
            try await load(connection)  // whatever changed while not listening
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The fallback: reload every `refresh` whatever the notifications do.
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: refresh)
                        try await load(connection)
                    }
                }
                for try await _ in notifications { try await load(connection) }
                group.cancelAll()
            }
        }
    }

    func load(_ connection: PostgresConnection) async throws {
        let snapshot = try await FlagStore(logger: logger).load(on: connection)
        let before = cache.snapshot
        if before == nil { FlagMetrics.prime(snapshot) }
        cache.replace(snapshot)
        reloads.increment()
        lastLoad.record(Date().timeIntervalSince1970)
        if before != snapshot {
            logger.info("flags loaded", metadata: ["flags": "\(snapshot.names.map { "\($0)=\(snapshot.flags[$0]!.value.summary)" }.joined(separator: " | "))"])
        }
    }
}
