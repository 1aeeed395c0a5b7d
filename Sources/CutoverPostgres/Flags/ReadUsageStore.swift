import CutoverCore
import Logging
import PostgresNIO

/// Reads per minute, view, module and source in `cutover.read_usage` (engine schema, `cutover init`): the API adds its
/// counts every few seconds; contract guards ask whether a legacy path is still used.
public struct ReadUsageStore: Sendable {
    /// One counter to add.
    public struct Count: Sendable, Hashable {
        /// Unix seconds of the minute (a multiple of 60).
        public var minute: Int64
        public var view: APIView
        public var module: String
        public var source: ReadSource

        public init(minute: Int64, view: APIView, module: String, source: ReadSource) {
            self.minute = minute
            self.view = view
            self.module = module
            self.source = source
        }
    }

    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Adds `counts` in one statement.
    public func add(on c: PostgresConnection, _ counts: [Count: Int64]) async throws {
        guard !counts.isEmpty else { return }
        let keys = Array(counts.keys)
        try await c.query("""
            INSERT INTO cutover.read_usage (minute, view, module, source, reads)
            SELECT to_timestamp(m), v, mo, s, n
            FROM unnest(\(keys.map(\.minute)), \(keys.map(\.view.rawValue)), \(keys.map(\.module)), \(keys.map(\.source.rawValue)), \(keys.map { counts[$0]! }))
                 AS u(m, v, mo, s, n)
            ON CONFLICT (minute, view, module, source) DO UPDATE SET reads = cutover.read_usage.reads + EXCLUDED.reads
            """, logger: logger)
    }

    /// Reads of `views` served by `source` in the last `seconds` (whole minutes, counted generously).
    public func reads(on c: PostgresConnection, views: [APIView], source: ReadSource, seconds: Int) async throws -> Int64 {
        let rows = try await c.query("""
            SELECT coalesce(sum(reads), 0)::int8 FROM cutover.read_usage
            WHERE view = ANY(\(views.map(\.rawValue))) AND source = \(source.rawValue)
              AND minute >= date_trunc('minute', now() - make_interval(secs => \(Double(seconds))))
            """, logger: logger)
        for try await n in rows.decode(Int64.self) { return n }
        return 0
    }
}
