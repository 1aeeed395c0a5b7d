import CutoverCore
import CutoverPostgres
import Logging
import PostgresNIO
import ServiceLifecycle

/// LISTENs on its own connection for wake-up notifications and passes them on, reconnecting after
/// any failure (``ListenLoop``); after every (re)connect it wakes everybody once so they catch up
/// from the change log (notifications sent meanwhile are lost). Returns on graceful shutdown or
/// cancellation.
struct ChangeListener: Service {
    let target: DatabaseTarget
    let wakeAll: @Sendable () -> Void
    let logger: Logger

    func run() async {
        let loop = ListenLoop(target: target, channel: CaptureSQL.channel, logger: logger)
        let wakeAll = self.wakeAll
        await cancelWhenGracefulShutdown {
            await loop.run(afterFailure: { _ in wakeAll() }) { _, notifications in
                wakeAll()  // catch up on whatever happened while not listening
                for try await _ in notifications { wakeAll() }
            }
        }
    }
}
