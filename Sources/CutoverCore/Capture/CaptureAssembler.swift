/// Turns the `pgoutput` message stream into committed transactions of ``CapturedChange``s: the
/// relay's state machine, free of I/O so it is tested without a database.
///
/// Feed every message to ``consume(_:)``; a commit returns the finished transaction (possibly with
/// no changes: the relay still confirms its position). Per table only the columns the projections
/// map from are kept. An update whose old and new rows are equal in every column is dropped, as the
/// former triggers' `WHEN (OLD.* IS DISTINCT FROM NEW.*)` did. A transaction made under one of the
/// ``bulkLoadOrigins`` (`cutover seed` marks its session so) is skipped whole: such loads ask for
/// full rebuilds themselves. A transaction with more than ``maxChangesPerTransaction`` changes is
/// relayed as one `T` change per table instead (recompute everything), so one huge statement
/// cannot fill the change log or the relay's memory.
public struct CaptureAssembler: Sendable {
    public let capturedColumns: [String: [String]]
    public let bulkLoadOrigins: Set<String>
    public let maxChangesPerTransaction: Int

    struct TableShape: Sendable {
        var table: String
        /// (column name, index in the row) for each captured column; `nil` if the table is not captured.
        var captured: [(String, Int)]?
    }

    struct Open: Sendable {
        var commitTime: Int64
        var xid: UInt32 = 0
        var changes: [CapturedChange] = []
        var seen = 0
        var bulk = false
        var overflowTables: [String] = []
        var overflowed = false
    }

    var relations: [UInt32: TableShape] = [:]
    var open: Open?

    public init(capturedColumns: [String: [String]], bulkLoadOrigins: Set<String> = ["cutover_bulk_load"], maxChangesPerTransaction: Int = 100_000) {
        self.capturedColumns = capturedColumns
        self.bulkLoadOrigins = bulkLoadOrigins
        self.maxChangesPerTransaction = maxChangesPerTransaction
    }

    /// True between a transaction's begin and its commit.
    public var inTransaction: Bool { open != nil }

    public mutating func consume(_ message: PgOutputMessage) throws -> CapturedTransaction? {
        switch message {
        case .begin(_, let commitTime, let xid):
            open = Open(commitTime: commitTime, xid: xid)
        case .commit(_, let endLSN, let commitTime):
            guard let tx = open else { throw CoreError(.malformedReplicationMessage, "commit at \(endLSN) without a begin") }
            open = nil
            if tx.bulk {
                return CapturedTransaction(endLSN: endLSN, commitTime: commitTime, changes: [], seenChanges: tx.seen, skippedAsBulkLoad: true, xid: tx.xid)
            }
            let changes = tx.overflowed
                ? tx.overflowTables.map { CapturedChange(table: $0, operation: "T", oldKey: nil, newKey: nil) }
                : tx.changes
            return CapturedTransaction(endLSN: endLSN, commitTime: commitTime, changes: changes, seenChanges: tx.seen, skippedAsBulkLoad: false, xid: tx.xid)
        case .origin(let name):
            if bulkLoadOrigins.contains(name) { open?.bulk = true }
        case .relation(let r):
            let table = r.qualifiedName
            let captured = capturedColumns[table].map { columns in
                columns.compactMap { c in r.columns.firstIndex(of: c).map { (c, $0) } }
            }
            if let wanted = capturedColumns[table], let got = captured, got.count != wanted.count {
                let missing = wanted.filter { w in !got.contains { $0.0 == w } }
                throw CoreError(.malformedReplicationMessage, "table \(table) has no column \(missing.joined(separator: ", ")) any more; a projection maps from it",
                                context: ["table": table])
            }
            relations[r.id] = TableShape(table: table, captured: captured)
        case .insert(let id, let new):
            try add(id) { shape, columns in
                CapturedChange(table: shape.table, operation: "I", oldKey: nil, newKey: Self.key(columns, new))
            }
        case .update(let id, let old, let new):
            if let old, Self.sameRow(old, new) {
                open?.seen += 1
                return nil
            }
            try add(id) { shape, columns in
                let newKey = Self.key(columns, new)
                return CapturedChange(table: shape.table, operation: "U", oldKey: old.map { Self.key(columns, $0) } ?? newKey, newKey: newKey)
            }
        case .delete(let id, let old):
            try add(id) { shape, columns in
                CapturedChange(table: shape.table, operation: "D", oldKey: Self.key(columns, old), newKey: nil)
            }
        case .truncate(let ids):
            for id in ids {
                try add(id) { shape, _ in CapturedChange(table: shape.table, operation: "T", oldKey: nil, newKey: nil) }
            }
        case .other:
            break
        }
        return nil
    }

    private mutating func add(_ relationID: UInt32, _ make: (TableShape, [(String, Int)]) -> CapturedChange) throws {
        guard var tx = open else { throw CoreError(.malformedReplicationMessage, "a row change outside a transaction") }
        guard let shape = relations[relationID] else {
            throw CoreError(.malformedReplicationMessage, "a row change of relation \(relationID) before its description")
        }
        open = nil // keep the buffer uniquely referenced while it grows
        defer { open = tx }
        tx.seen += 1
        guard let columns = shape.captured, !tx.bulk else { return }
        if tx.overflowed {
            if !tx.overflowTables.contains(shape.table) { tx.overflowTables.append(shape.table) }
            return
        }
        tx.changes.append(make(shape, columns))
        if tx.changes.count > maxChangesPerTransaction {
            var tables: [String] = []
            for c in tx.changes where !tables.contains(c.table) { tables.append(c.table) }
            tx.overflowTables = tables
            tx.overflowed = true
            tx.changes = []
        }
    }

    static func key(_ columns: [(String, Int)], _ row: [PgOutputMessage.Value]) -> String {
        CapturedChange.jsonObject(columns.map { name, index in
            guard index < row.count, case .text(let v) = row[index] else { return (name, nil) }
            return (name, v)
        })
    }

    /// Equal in every column; an unchanged TOASTed value in the new row counts as equal.
    static func sameRow(_ old: [PgOutputMessage.Value], _ new: [PgOutputMessage.Value]) -> Bool {
        guard old.count == new.count else { return false }
        for (o, n) in zip(old, new) where n != .unchangedToast && o != n { return false }
        return true
    }
}
