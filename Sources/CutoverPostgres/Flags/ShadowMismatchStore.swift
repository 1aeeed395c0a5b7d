import CutoverCore
import Logging
import PostgresNIO

/// Confirmed shadow mismatches in `cutover.shadow_mismatches` (engine schema, `cutover init`): which flag, view and
/// module, the record's key and the fields that differed. Never the values themselves: they may
/// hold contact details.
public struct ShadowMismatchStore: Sendable {
    /// One stored mismatch.
    public struct Entry: Sendable, Equatable, Codable {
        public var id: Int64
        public var seenAt: String
        public var flag: String
        public var view: String
        public var module: String
        public var key: String
        public var fields: [String]
    }

    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func record(on c: PostgresConnection, flag: String, view: APIView, module: String, mismatches: [ShadowDiff.Mismatch]) async throws {
        guard !mismatches.isEmpty else { return }
        // Fields as one text per record ("a,b,c"), split back in SQL: arrays of arrays do not bind.
        try await c.query("""
            INSERT INTO cutover.shadow_mismatches (flag, view, module, key, fields)
            SELECT \(flag), \(view.rawValue), \(module), k, string_to_array(f, ',')
            FROM unnest(\(mismatches.map(\.key)), \(mismatches.map { $0.fields.joined(separator: ",") })) AS u(k, f)
            """, logger: logger)
    }

    public func recent(on c: PostgresConnection, limit: Int) async throws -> [Entry] {
        let rows = try await c.query("""
            SELECT id, to_char(seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), flag, view, module, key, fields
            FROM cutover.shadow_mismatches ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        var out: [Entry] = []
        for try await r in rows.decode((Int64, String, String, String, String, String, [String]).self) {
            out.append(Entry(id: r.0, seenAt: r.1, flag: r.2, view: r.3, module: r.4, key: r.5, fields: r.6))
        }
        return out
    }
}
