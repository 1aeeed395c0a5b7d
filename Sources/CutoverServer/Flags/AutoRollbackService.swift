import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// The automatic rollback: once a second, for every view of a reader flag and module with
/// measurements, checks the sliding window against the thresholds (``AutoRollbackPolicy``). On a
/// breach of any view it sets that module's override of the flag to `legacy` through the flag store — audited as automatic with the
/// measured reason — counts `cutover_flag_auto_rollbacks_total` and logs it. Several API instances
/// may breach at once: the change is made only while the module is not legacy yet (row lock), so
/// the audit trail shows one rollback.
public struct AutoRollbackService: Service {
    let client: PostgresClient
    let cache: FlagCache
    let health: ReadHealthMonitor
    let thresholds: AutoRollbackThresholds
    let actor: String
    let logger: Logger

    public init(client: PostgresClient, cache: FlagCache, health: ReadHealthMonitor, thresholds: AutoRollbackThresholds, actor: String, logger: Logger) {
        self.client = client
        self.cache = cache
        self.health = health
        self.thresholds = thresholds
        self.actor = actor
        self.logger = logger
    }

    public func run() async throws {
        guard thresholds.enabled else {
            logger.notice("automatic rollback is disabled (rollback.enabled = false)")
            return
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let snapshot = self.cache.snapshot else { continue }
                await self.check(snapshot)
            }
        }
    }

    func check(_ snapshot: FlagSnapshot) async {
        guard !snapshot.killSwitchOn else { return }
        for (key, stats) in health.stats() {
            guard let flag = snapshot.flags[key.flag], flag.kind == .reader else { continue }
            let state = ReaderState(rawValue: (flag.value.modules[key.module] ?? flag.value.rule).variant) ?? .legacy
            guard let breach = AutoRollbackPolicy.breach(stats, state: state, thresholds: thresholds) else { continue }
            await rollBack(key, breach: breach)
        }
    }

    func rollBack(_ key: ReadHealthMonitor.Key, breach: AutoRollbackPolicy.Breach) async {
        let module = key.module, flag = key.flag
        do {
            let update = try await client.withConnection { c in
                try await FlagStore(logger: logger).setIfStill(
                    on: c, name: flag, change: FlagChange(variant: ReaderState.legacy.rawValue, module: module), actor: actor,
                    reason: "automatic rollback: \(key.view.rawValue) \(breach.reason)", automatic: true) { current in
                    (current.value.modules[module] ?? current.value.rule).variant != ReaderState.legacy.rawValue
                }
            }
            health.reset(flag: flag, module: module)
            guard let update, update.auditID != nil else { return }  // another instance was first
            Counter(label: "cutover_flag_auto_rollbacks_total", dimensions: [("flag", flag), ("module", module), ("trigger", breach.trigger.rawValue)]).increment()
            logger.error("automatic rollback to legacy", metadata: ["flag": "\(flag)", "module": "\(module)", "view": "\(key.view.rawValue)", "trigger": "\(breach.trigger.rawValue)",
                                                                  "reason": "\(breach.reason)", "audit": "\(update.auditID!)"])
        } catch {
            logger.error("automatic rollback failed; will retry", metadata: ["flag": "\(flag)", "module": "\(module)", "error": "\(error)"])
        }
    }
}
