import Logging
import PostgresNIO

/// LISTEN on a channel for as long as the task runs, on a connection of its own. PostgresNIO's
/// `listen(on:)` never reconnects, so this does: on any failure it backs off (100 ms doubling to
/// 5 s, reset once listening again), reconnects and LISTENs again. Notifications sent while not
/// listening are lost, so `session` starts by catching up (it runs once per connection, after the
/// LISTEN is in place) and `afterFailure` tells the caller a gap may have happened.
public struct ListenLoop: Sendable {
    public var target: DatabaseTarget
    public var channel: String
    public var logger: Logger

    public init(target: DatabaseTarget, channel: String, logger: Logger) {
        self.target = target
        self.channel = channel
        self.logger = logger
    }

    /// Runs until cancelled. `session` gets the connection (usable for queries) and the
    /// notifications; it returns or throws when the connection ends.
    public func run(afterFailure: @Sendable (any Error) -> Void = { _ in },
                    session: (PostgresConnection, PostgresNotificationSequence) async throws -> Void) async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await Database.connect(target, logger: logger)
                do {
                    try await connection.closingOnCancellation {
                        try await connection.listen(on: channel) { notifications in
                            logger.debug("listening", metadata: ["channel": "\(channel)"])
                            backoff = .milliseconds(100)
                            try await session(connection, notifications)
                        }
                    }
                    try? await connection.close()
                } catch {
                    try? await connection.close()
                    throw error
                }
            } catch {
                if Task.isCancelled { break }
                logger.warning("listening failed; reconnecting", metadata: ["channel": "\(channel)", "error": "\(error)", "backoff": "\(backoff)"])
                afterFailure(error)
            }
            if Task.isCancelled { break }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }
}
