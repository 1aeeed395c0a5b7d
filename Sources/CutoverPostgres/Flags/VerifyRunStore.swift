import CutoverCore
import Logging
import PostgresNIO

/// Results of `cutover verify` in `cutover.verify_runs` (engine schema, `cutover init`), for the contract guard
/// `verify <projection> clean within <duration>` and the ops console.
public struct VerifyRunStore: Sendable {
    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Records one projection's verification. A database without them records nothing.
    public func record(on c: PostgresConnection, projection: String, full: Bool, clean: Bool, rows: Int64, drift: Int64) async throws {
        guard try await Database.tableExists(c, "cutover.verify_runs", logger: logger) else { return }
        try await c.query("""
            INSERT INTO cutover.verify_runs (projection, full_run, clean, rows_compared, drift)
            VALUES (\(projection), \(full), \(clean), \(rows), \(drift))
            """, logger: logger)
    }

    /// The newest full verification per projection.
    public func lastFull(on c: PostgresConnection) async throws -> [String: GuardFacts.VerifyRun] {
        let rows = try await c.query("""
            SELECT DISTINCT ON (projection) projection, extract(epoch FROM finished_at)::float8, clean, drift
            FROM cutover.verify_runs WHERE full_run ORDER BY projection, finished_at DESC
            """, logger: logger)
        var out: [String: GuardFacts.VerifyRun] = [:]
        for try await r in rows.decode((String, Double, Bool, Int64).self) {
            out[r.0] = GuardFacts.VerifyRun(finishedAt: r.1, clean: r.2, drift: r.3)
        }
        return out
    }
}
