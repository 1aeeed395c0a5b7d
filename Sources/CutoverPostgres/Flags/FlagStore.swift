import CutoverCore
import Foundation
import Logging
import PostgresNIO

/// The flags in `cutover.flags` (engine schema, `cutover init`): loaded as a ``FlagSnapshot``, changed with an
/// audit row in the same transaction, listed with their history and rolled back.
public struct FlagStore: Sendable {
    /// The channel a flag change notifies (payload: the flag's name).
    public static let channel = "cutover_flags"

    /// One audit row.
    public struct AuditEntry: Sendable, Equatable, Codable {
        public var id: Int64
        public var flag: String
        public var version: Int64
        /// ISO 8601, UTC.
        public var changedAt: String
        public var changedBy: String
        public var oldValue: FlagValue?
        public var newValue: FlagValue
        public var reason: String
        public var automatic: Bool
    }

    /// The result of a change.
    public struct Update: Sendable, Equatable {
        public var before: FeatureFlag
        public var after: FeatureFlag
        /// The audit row written; nil when the flag already had that value (nothing written).
        public var auditID: Int64?
    }

    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Every flag.
    public func load(on c: PostgresConnection) async throws -> FlagSnapshot {
        FlagSnapshot(flags: try await flags(on: c, lockName: nil))
    }

    /// Applies `change` to flag `name` as `actor`, with `reason` (required), writing the audit row.
    public func set(on c: PostgresConnection, name: String, change: FlagChange, actor: String, reason: String) async throws -> Update {
        // Without a condition the change is always made (or found already made).
        try await setIfStill(on: c, name: name, change: change, actor: actor, reason: reason, automatic: false) { _ in true }!
    }

    /// Applies `change` only if `condition` still holds for the flag once its row is locked; nil
    /// when it no longer does. The automatic rollback uses it to act only while the module is not
    /// legacy yet, so two API instances breaching together write one audit row.
    public func setIfStill(on c: PostgresConnection, name: String, change: FlagChange, actor: String, reason: String, automatic: Bool,
                           _ condition: @Sendable (FeatureFlag) -> Bool) async throws -> Update? {
        try Self.requireReason(reason)
        return try await transaction(c) {
            let flag = try await self.locked(c, name)
            guard condition(flag) else { return nil }
            let value = try change.apply(to: flag)
            return try await self.write(c, flag, value, actor: actor, reason: reason, automatic: automatic)
        }
    }

    /// Restores the value a flag had before its newest change, or before change `auditID`.
    public func rollback(on c: PostgresConnection, name: String, auditID: Int64?, actor: String, reason: String) async throws -> Update {
        try Self.requireReason(reason)
        return try await transaction(c) {
            let flag = try await self.locked(c, name)
            let entries = try await self.history(on: c, name: name, limit: auditID == nil ? 1 : 10_000)
            guard let entry = auditID.map({ id in entries.first { $0.id == id } }) ?? entries.first else {
                throw CoreError(.invalidArgument, "flag \(name) has no change #\(auditID.map(String.init) ?? "?"); see `cutover flags history \(name)`",
                                context: ["flag": name])
            }
            guard let previous = entry.oldValue else {
                throw CoreError(.invalidArgument, "change #\(entry.id) created flag \(name); there is no earlier value to go back to", context: ["flag": name])
            }
            return try await self.write(c, flag, previous, actor: actor, reason: reason, automatic: false)
        }
    }

    /// The newest audit rows first, of one flag or all.
    public func history(on c: PostgresConnection, name: String?, limit: Int) async throws -> [AuditEntry] {
        let rows = try await c.query("""
            SELECT id, flag, version, to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), changed_by,
                   old_value::text, new_value::text, reason, automatic
            FROM cutover.flag_audit WHERE \(name)::text IS NULL OR flag = \(name)::text ORDER BY id DESC LIMIT \(limit)
            """, logger: logger)
        var out: [AuditEntry] = []
        for try await r in rows.decode((Int64, String, Int64, String, String, String?, String, String, Bool).self) {
            out.append(AuditEntry(id: r.0, flag: r.1, version: r.2, changedAt: r.3, changedBy: r.4, oldValue: try r.5.map(Self.decode),
                                  newValue: try Self.decode(r.6), reason: r.7, automatic: r.8))
        }
        return out
    }

    // MARK: - Internals

    func write(_ c: PostgresConnection, _ flag: FeatureFlag, _ value: FlagValue, actor: String, reason: String, automatic: Bool) async throws -> Update {
        guard value != flag.value else { return Update(before: flag, after: flag, auditID: nil) }
        let version = flag.version + 1
        let old = try Self.encode(flag.value), new = try Self.encode(value)
        let audit = try await c.query("""
            INSERT INTO cutover.flag_audit (flag, version, changed_by, old_value, new_value, reason, automatic)
            VALUES (\(flag.name), \(version), \(actor), \(old)::jsonb, \(new)::jsonb, \(reason), \(automatic)) RETURNING id
            """, logger: logger)
        var auditID: Int64 = 0
        for try await id in audit.decode(Int64.self) { auditID = id }
        let updated = try await c.query("""
            UPDATE cutover.flags SET value = \(new)::jsonb, version = \(version), updated_at = now(), updated_by = \(actor)
            WHERE name = \(flag.name) RETURNING extract(epoch FROM updated_at)::float8
            """, logger: logger)
        var after = flag
        after.value = value
        after.version = version
        after.updatedBy = actor
        for try await at in updated.decode(Double.self) { after.updatedAt = at }
        return Update(before: flag, after: after, auditID: auditID)
    }

    /// One flag, or an error listing the flags that exist.
    public func flag(on c: PostgresConnection, name: String) async throws -> FeatureFlag {
        try await locked(c, name, lock: false)
    }

    func locked(_ c: PostgresConnection, _ name: String, lock: Bool = true) async throws -> FeatureFlag {
        guard let flag = try await flags(on: c, lockName: name, lock: lock).first else {
            let all = try await flags(on: c, lockName: nil).map(\.name)
            throw CoreError(.unknownFlag, "unknown flag \"\(name)\"; the flags are: \(all.joined(separator: ", "))", context: ["flag": name])
        }
        return flag
    }

    func flags(on c: PostgresConnection, lockName: String?, lock: Bool = true) async throws -> [FeatureFlag] {
        let columns = "name, kind, views, description, value::text, version, extract(epoch FROM updated_at)::float8, updated_by"
        let query: PostgresQuery = lockName.map { name in
            "SELECT \(unescaped: columns) FROM cutover.flags WHERE name = \(name)\(unescaped: lock ? " FOR UPDATE" : "")"
        } ?? "SELECT \(unescaped: columns) FROM cutover.flags ORDER BY name"
        let rows: PostgresRowSequence
        do {
            // Checked: the flag sync reloads on its LISTEN connection, which shutdown closes; a
            // plain query caught by that close would never return (ConnectionCloseWatch).
            rows = try await c.checkedQuery(query, logger: logger, doing: "reading the flags")
        } catch let error as DatabaseError where error.sqlState == "42P01" {
            throw DatabaseError(.flagsNotInstalled, "the flags tables do not exist; run `cutover init` (the engine schema holds them)")
        }
        var out: [FeatureFlag] = []
        for try await r in rows.decode((String, String, [String], String, String, Int64, Double, String).self) {
            guard let kind = FlagKind(rawValue: r.1) else { continue }
            out.append(FeatureFlag(name: r.0, kind: kind, views: r.2.map(APIView.init(rawValue:)), description: r.3, value: try Self.decode(r.4),
                            version: r.5, updatedAt: r.6, updatedBy: r.7))
        }
        return out
    }

    func transaction<R: Sendable>(_ c: PostgresConnection, _ body: () async throws -> R) async throws -> R {
        try await c.query("BEGIN", logger: logger)
        do {
            let result = try await body()
            try await c.query("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await c.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    static func requireReason(_ reason: String) throws(CoreError) {
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw CoreError(.invalidFlagChange, "a flag change needs a reason (--reason \"…\"); it is kept in the audit trail")
        }
    }

    static func decode(_ text: String) throws -> FlagValue {
        do {
            return try JSONDecoder().decode(FlagValue.self, from: Data(text.utf8))
        } catch {
            throw DatabaseError(.serverError, "a stored flag value is not a valid flag document: \(text)")
        }
    }

    static func encode(_ value: FlagValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
