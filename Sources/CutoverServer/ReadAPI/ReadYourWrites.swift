import CutoverCore
import CutoverPostgres
import Foundation
import HTTPTypes
import Hummingbird

/// Read-your-writes for the read API: a request that carries `Cutover-After-LSN` (the WAL position
/// of the writer's commit) is answered by the read model only once the serving projection has
/// applied everything up to there, waiting at most `timeout`; then `fallback` decides.
public struct ReadYourWrites: Sendable {
    public var wait: AppliedPositionWait
    public var timeout: Duration
    public var fallback: CutoverConfig.API.ReadYourWritesFallback

    public init(wait: AppliedPositionWait, timeout: Duration = .seconds(2), fallback: CutoverConfig.API.ReadYourWritesFallback = .unavailable) {
        self.wait = wait
        self.timeout = timeout
        self.fallback = fallback
    }

    /// The request's `Cutover-After-LSN`, `nil` without one; a malformed value is a 400 naming the header.
    static func position(_ request: Request) throws -> LSN? {
        let values = request.headers[values: APIHeaders.afterLSN]
        guard let text = values.first else { return nil }
        guard values.count == 1 else {
            throw APIError(.invalidRequest, "\(APIHeaders.afterLSN) is given twice", parameter: APIHeaders.afterLSN.rawName)
        }
        guard let position = LSN(text.trimmingCharacters(in: .whitespaces)) else {
            throw APIError(.invalidRequest, "\(APIHeaders.afterLSN) must be a WAL position such as 0/1A2B3C4D (pg_current_wal_insert_lsn() after your commit)",
                           parameter: APIHeaders.afterLSN.rawName)
        }
        return position
    }
}

extension ReadAPI {
    /// The source that answers a read model read of `projection`'s views after `position`: the read model once
    /// its projection applied the position in time; otherwise legacy, or a 503, as configured.
    func sourceAfterWaiting(for projection: String, position: LSN, _ context: APIRequestContext) async throws -> ReadSource {
        let deadline = ContinuousClock.now + readYourWrites.timeout
        let applied: Bool
        do {
            applied = try await readClient.withConnection(waitingAtMost: connectionWait) { connection in
                try await readYourWrites.wait.wait(on: connection, projection: projection, position: position, until: deadline)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let error = Database.translate(error, doing: "read-your-writes")
            context.logger.error("read-your-writes check failed", metadata: ["error": "\(error)"])
            throw APIError(.unavailable, "whether the read model has applied \(position) could not be checked right now; retry shortly")
        }
        if applied { return .readModel }
        switch readYourWrites.fallback {
        case .legacy:
            return .legacy
        case .unavailable:
            throw APIError(.unavailable, "the read model has not applied WAL position \(position) within \(readYourWrites.timeout.wholeMilliseconds) ms; retry shortly")
        }
    }
}
