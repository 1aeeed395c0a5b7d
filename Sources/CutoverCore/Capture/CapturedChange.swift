/// One row of `cutover.change_log` as the capture relay writes it: which row of which table
/// changed, its captured key columns before and after.
public struct CapturedChange: Sendable, Equatable {
    /// Schema-qualified source table.
    public var table: String
    /// `I`, `U`, `D`, or `T` (truncated, or too many changes in one transaction: recompute all).
    public var operation: Character
    /// Captured columns of the old row as a JSON object of text values; `nil` for inserts and `T`.
    public var oldKey: String?
    /// Captured columns of the new row; `nil` for deletes and `T`.
    public var newKey: String?

    public init(table: String, operation: Character, oldKey: String?, newKey: String?) {
        self.table = table
        self.operation = operation
        self.oldKey = oldKey
        self.newKey = newKey
    }
}

/// A committed transaction's captured changes, in the order they were made.
public struct CapturedTransaction: Sendable, Equatable {
    /// The position just after the commit record: once this transaction is relayed, the slot may
    /// confirm this position.
    public var endLSN: LSN
    /// Commit time, microseconds since 2000-01-01 UTC.
    public var commitTime: Int64
    public var changes: [CapturedChange]
    /// Changes of the transaction seen in the stream (before skipping unchanged updates).
    public var seenChanges: Int
    /// The transaction was a bulk load (its replication origin is one of the skipped ones).
    public var skippedAsBulkLoad: Bool
    /// The writing transaction's id (32 bits, as the stream carries it).
    public var xid: UInt32

    public init(endLSN: LSN, commitTime: Int64, changes: [CapturedChange], seenChanges: Int, skippedAsBulkLoad: Bool, xid: UInt32 = 0) {
        self.xid = xid
        self.endLSN = endLSN
        self.commitTime = commitTime
        self.changes = changes
        self.seenChanges = seenChanges
        self.skippedAsBulkLoad = skippedAsBulkLoad
    }

    /// Commit time as seconds since 1970.
    public var commitTimeSince1970: Double { Double(commitTime) / 1_000_000 + 946_684_800 }
}

extension CapturedChange {
    /// `{"col": "value", …}` with JSON string escaping; SQL NULL becomes JSON null.
    public static func jsonObject(_ pairs: [(String, String?)]) -> String {
        var out = "{"
        for (i, (name, value)) in pairs.enumerated() {
            if i > 0 { out += ", " }
            out += jsonString(name) + ": " + (value.map(jsonString) ?? "null")
        }
        return out + "}"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
