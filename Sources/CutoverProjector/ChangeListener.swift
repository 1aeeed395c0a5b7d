import CutoverCore
import CutoverPostgres
import Logging
import PostgresNIO

/// LISTENs on its own connection for wake-up notifications and passes them on. PostgresNIO's
/// `listen(on:)` never reconnects, so this loop does: back off, reconnect, re-LISTEN, and wake
/// everybody once so they catch up from the change log (notifications sent meanwhile are lost).
struct ChangeListener: Sendable {
    let target: DatabaseTarget
    let wakeAll: @Sendable () -> Void
    let logger: Logger

    func run() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await Database.connect(target, logger: logger)
                do {
                    try await connection.listen(on: CaptureMigration.channel) { notifications in
                        logger.debug("listening", metadata: ["channel": "\(CaptureMigration.channel)"])
                        backoff = .milliseconds(100)
                        wakeAll()  // catch up on whatever happened while not listening
                        for try await _ in notifications { wakeAll() }
                    }
                    try? await connection.close()
                } catch {
                    try? await connection.close()
                    throw error
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning("LISTEN connection lost; reconnecting", metadata: ["error": "\(error)", "backoff": "\(backoff)"])
            }
            if Task.isCancelled { break }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
            wakeAll()
        }
    }
}
