import CutoverCore
import Testing

/// Builds pgoutput protocol-1 messages byte by byte, as PostgreSQL 15 sends them.
enum PgOutputBytes {
    static func u(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).reversed().map { UInt8(truncatingIfNeeded: v >> UInt64($0 * 8)) } }
    static func s(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
    static func begin(final: UInt64, time: Int64 = 1_000_000, xid: UInt32 = 700) -> [UInt8] {
        [UInt8(ascii: "B")] + u(final, 8) + u(UInt64(bitPattern: time), 8) + u(UInt64(xid), 4)
    }
    static func commit(end: UInt64, time: Int64 = 1_000_000) -> [UInt8] {
        [UInt8(ascii: "C"), 0] + u(end - 8, 8) + u(end, 8) + u(UInt64(bitPattern: time), 8)
    }
    static func origin(_ name: String) -> [UInt8] { [UInt8(ascii: "O")] + u(0, 8) + s(name) }
    static func relation(_ id: UInt32, _ schema: String, _ name: String, _ columns: [String]) -> [UInt8] {
        var b = [UInt8(ascii: "R")] + u(UInt64(id), 4) + s(schema) + s(name) + [UInt8(ascii: "f")] + u(UInt64(columns.count), 2)
        for c in columns { b += [0] + s(c) + u(23, 4) + u(UInt64(UInt32.max), 4) }
        return b
    }
    static func tuple(_ values: [String?]) -> [UInt8] {
        var b = u(UInt64(values.count), 2)
        for v in values {
            if let v {
                if v == "\u{1}toast" { b.append(UInt8(ascii: "u")); continue }
                b += [UInt8(ascii: "t")] + u(UInt64(v.utf8.count), 4) + Array(v.utf8)
            } else {
                b.append(UInt8(ascii: "n"))
            }
        }
        return b
    }
    static func insert(_ id: UInt32, _ new: [String?]) -> [UInt8] { [UInt8(ascii: "I")] + u(UInt64(id), 4) + [UInt8(ascii: "N")] + tuple(new) }
    static func update(_ id: UInt32, old: [String?]?, _ new: [String?]) -> [UInt8] {
        var b = [UInt8(ascii: "U")] + u(UInt64(id), 4)
        if let old { b += [UInt8(ascii: "O")] + tuple(old) }
        return b + [UInt8(ascii: "N")] + tuple(new)
    }
    static func delete(_ id: UInt32, _ old: [String?]) -> [UInt8] { [UInt8(ascii: "D")] + u(UInt64(id), 4) + [UInt8(ascii: "O")] + tuple(old) }
    static func truncate(_ ids: [UInt32]) -> [UInt8] { [UInt8(ascii: "T")] + u(UInt64(ids.count), 4) + [0] + ids.flatMap { u(UInt64($0), 4) } }
}

@Suite("Change capture: pgoutput decoding and transaction assembly", .timeLimit(.minutes(1)))
struct CaptureAssemblerTests {
    typealias B = PgOutputBytes
    static let columns = ["crm.contacts": ["customer_id", "id"], "crm.customers": ["id", "territory_code"]]

    func feed(_ assembler: inout CaptureAssembler, _ messages: [[UInt8]]) throws -> [CapturedTransaction] {
        var out: [CapturedTransaction] = []
        for m in messages { if let tx = try assembler.consume(PgOutputMessage.decode(m)) { out.append(tx) } }
        return out
    }

    @Test("LSNs parse, print and order like pg_lsn")
    func lsn() {
        #expect(LSN("16/B374D848")?.value == 0x16_B374_D848)
        #expect(LSN("16/B374D848")?.description == "16/B374D848")
        #expect(LSN("0/0") == .zero)
        #expect(LSN("x/1") == nil && LSN("1") == nil && LSN("123456789/0") == nil)
        #expect(LSN("1/0")! > LSN("0/FFFFFFFF")!)
    }

    @Test("inserts, updates and deletes become change rows with the captured columns, old and new")
    func rows() throws {
        var a = CaptureAssembler(capturedColumns: Self.columns)
        let contacts = ["id", "customer_id", "role", "phone"]
        let txs = try feed(&a, [
            B.begin(final: 100), B.relation(16400, "crm", "contacts", contacts),
            B.insert(16400, ["5", "9", "CHEF", nil]),
            B.update(16400, old: ["5", "9", "CHEF", nil], ["5", "10", "CHEF", nil]),  // moved to another customer
            B.delete(16400, ["5", "10", "CHEF", "+49 \"x\""]),
            B.commit(end: 120, time: 5_000_000),
        ])
        #expect(txs.count == 1)
        #expect(txs[0].endLSN == LSN(120) && txs[0].commitTime == 5_000_000 && txs[0].xid == 700)
        #expect(txs[0].changes == [
            CapturedChange(table: "crm.contacts", operation: "I", oldKey: nil, newKey: #"{"customer_id": "9", "id": "5"}"#),
            CapturedChange(table: "crm.contacts", operation: "U", oldKey: #"{"customer_id": "9", "id": "5"}"#, newKey: #"{"customer_id": "10", "id": "5"}"#),
            CapturedChange(table: "crm.contacts", operation: "D", oldKey: #"{"customer_id": "10", "id": "5"}"#, newKey: nil),
        ])
        #expect(txs[0].commitTimeSince1970 == 946_684_805)
    }

    @Test("an update that changes nothing is dropped; an unchanged TOASTed value counts as unchanged; NULL keys stay null")
    func unchangedRows() throws {
        var a = CaptureAssembler(capturedColumns: Self.columns)
        let txs = try feed(&a, [
            B.begin(final: 10), B.relation(1, "crm", "customers", ["id", "name", "territory_code", "notes"]),
            B.update(1, old: ["7", "A", "DE-BY", "long"], ["7", "A", "DE-BY", "\u{1}toast"]),
            B.update(1, old: ["7", "A", "DE-BY", "long"], ["7", "B", nil, "\u{1}toast"]),
            B.commit(end: 20),
        ])
        #expect(txs[0].seenChanges == 2)
        #expect(txs[0].changes == [
            CapturedChange(table: "crm.customers", operation: "U", oldKey: #"{"id": "7", "territory_code": "DE-BY"}"#,
                           newKey: #"{"id": "7", "territory_code": null}"#),
        ])
    }

    @Test("bulk loads (origin cutover_bulk_load) are skipped whole but still end with a position")
    func bulkLoad() throws {
        var a = CaptureAssembler(capturedColumns: Self.columns)
        let txs = try feed(&a, [
            B.begin(final: 10), B.origin("cutover_bulk_load"), B.relation(1, "crm", "customers", ["id", "territory_code"]),
            B.insert(1, ["1", "DE-BY"]), B.commit(end: 20),
            B.begin(final: 30), B.origin("some_subscription"), B.insert(1, ["2", "DE-BY"]), B.commit(end: 40),
        ])
        #expect(txs.map(\.skippedAsBulkLoad) == [true, false])
        #expect(txs[0].changes.isEmpty && txs[0].endLSN == LSN(20))
        #expect(txs[1].changes.count == 1)
    }

    @Test("tables no projection reads are ignored; truncate becomes T; too many changes become one T per table")
    func truncateAndOverflow() throws {
        var a = CaptureAssembler(capturedColumns: Self.columns, maxChangesPerTransaction: 3)
        let txs = try feed(&a, [
            B.begin(final: 10), B.relation(1, "crm", "customers", ["id", "territory_code"]), B.relation(2, "crm", "audit", ["id"]),
            B.insert(2, ["1"]), B.truncate([1, 2]), B.commit(end: 20),
            B.begin(final: 30), B.relation(3, "crm", "contacts", ["id", "customer_id"]),
            B.insert(1, ["1", "A"]), B.insert(3, ["1", "1"]), B.insert(1, ["2", "A"]), B.insert(1, ["3", "A"]), B.insert(3, ["2", "1"]),
            B.commit(end: 40),
        ])
        #expect(txs[0].changes == [CapturedChange(table: "crm.customers", operation: "T", oldKey: nil, newKey: nil)])
        #expect(txs[1].seenChanges == 5)
        #expect(txs[1].changes == [CapturedChange(table: "crm.customers", operation: "T", oldKey: nil, newKey: nil),
                                   CapturedChange(table: "crm.contacts", operation: "T", oldKey: nil, newKey: nil)])
    }

    @Test("broken streams are refused with capture.malformed_message: truncated, unknown relation, dropped key column")
    func malformed() throws {
        #expect(throws: CoreError.self) { try PgOutputMessage.decode([UInt8(ascii: "I"), 0, 0]) }
        #expect(throws: CoreError.self) { try PgOutputMessage.decode(B.insert(1, ["1"]).dropLast(1).map { $0 }) }
        var a = CaptureAssembler(capturedColumns: Self.columns)
        _ = try a.consume(PgOutputMessage.decode(B.begin(final: 1)))
        do {
            _ = try a.consume(PgOutputMessage.decode(B.insert(99, ["1"])))
            Issue.record("expected an error")
        } catch let error as CoreError {
            #expect(error.code == .malformedReplicationMessage && error.message.contains("relation 99"))
        }
        do {
            _ = try a.consume(PgOutputMessage.decode(B.relation(1, "crm", "customers", ["id", "name"])))
            Issue.record("expected an error")
        } catch let error as CoreError {
            #expect(error.message.contains("crm.customers has no column territory_code"))
        }
        #expect(try PgOutputMessage.decode([UInt8(ascii: "Y"), 1, 2]) == .other(UInt8(ascii: "Y")))
    }

    @Test("key values are JSON-escaped")
    func escaping() {
        #expect(CapturedChange.jsonObject([("a", "x\"y\\z\n\u{1}")]) == #"{"a": "x\"y\\z\n\u0001"}"#)
    }
}
