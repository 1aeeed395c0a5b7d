import CutoverCore
import PostgresNIO

extension FlagStore {
    /// Creates `flag` with its first audit row in one transaction (the database refuses a flag
    /// without one). Checks name, kind and views against the flags that exist, under a lock, so two
    /// concurrent creations of one name or view cannot both succeed.
    public func create(on c: PostgresConnection, name: String, kind: String, views: [String], declared: [APIView], description: String,
                       actor: String, reason: String) async throws -> (flag: FeatureFlag, auditID: Int64) {
        try Self.requireReason(reason)
        return try await transaction(c) {
            try await c.checkedQuery("LOCK TABLE cutover.flags IN SHARE ROW EXCLUSIVE MODE", logger: logger, doing: "locking the flags")
            let existing = try await flags(on: c, lockName: nil, lock: false)
            let new = try NewFlag(name: name, kind: kind, views: views, description: description, existing: existing, declared: declared)
            let value = try Self.encode(new.initialValue)
            // The flag first (the audit row references it); its audit check is deferred to the commit.
            try await c.checkedQuery("""
                INSERT INTO cutover.flags (name, kind, views, description, value, updated_by)
                VALUES (\(new.name), \(new.kind.rawValue), \(new.views.map(\.rawValue)), \(new.description), \(value)::jsonb, \(actor))
                """, logger: logger, doing: "creating the flag")
            var auditID: Int64 = 0
            for try await id in try await c.checkedQuery("""
                INSERT INTO cutover.flag_audit (flag, version, changed_by, old_value, new_value, reason)
                VALUES (\(new.name), 1, \(actor), NULL, \(value)::jsonb, \(reason)) RETURNING id
                """, logger: logger, doing: "auditing the new flag").decode(Int64.self) { auditID = id }
            return (FeatureFlag(name: new.name, kind: new.kind, views: new.views, description: new.description, value: new.initialValue,
                                updatedBy: actor), auditID)
        }
    }
}
