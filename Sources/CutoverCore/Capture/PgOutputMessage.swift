/// One message of PostgreSQL's built-in logical decoding plugin `pgoutput` (protocol version 1,
/// no streaming of in-progress transactions), as the capture relay receives them.
///
/// Only what change capture needs is decoded; type and message records are recognised and skipped.
/// Times are microseconds since 2000-01-01 UTC, PostgreSQL's epoch.
public enum PgOutputMessage: Sendable, Equatable {
    /// A transaction starts; `finalLSN` is its commit record's position.
    case begin(finalLSN: LSN, commitTime: Int64, xid: UInt32)
    /// The transaction ends; `endLSN` is the position just after its commit record.
    case commit(commitLSN: LSN, endLSN: LSN, commitTime: Int64)
    /// The transaction was replayed from another node or marked by a bulk load (its session ran
    /// `pg_replication_origin_session_setup`).
    case origin(name: String)
    /// Describes a table before its first change in the stream (and again after DDL).
    case relation(Relation)
    case insert(relationID: UInt32, new: [Value])
    /// `old` is present when the table's replica identity logs the old row (`FULL`) or the key changed.
    case update(relationID: UInt32, old: [Value]?, new: [Value])
    case delete(relationID: UInt32, old: [Value])
    case truncate(relationIDs: [UInt32])
    /// Anything else (type descriptions, generic messages): nothing to capture.
    case other(UInt8)

    /// A published table as the stream describes it.
    public struct Relation: Sendable, Equatable {
        public var id: UInt32
        public var schema: String
        public var name: String
        public var columns: [String]

        public init(id: UInt32, schema: String, name: String, columns: [String]) {
            self.id = id
            self.schema = schema
            self.name = name
            self.columns = columns
        }

        /// `schema.name`, as projections name their source tables.
        public var qualifiedName: String { schema + "." + name }
    }

    /// One column value of a row.
    public enum Value: Sendable, Equatable {
        case null
        /// A TOASTed value that did not change (not sent).
        case unchangedToast
        /// The value in PostgreSQL's text output format.
        case text(String)
    }
}

extension PgOutputMessage {
    /// Decodes one `pgoutput` message (the payload of one XLogData record).
    public static func decode(_ bytes: [UInt8]) throws -> PgOutputMessage {
        var r = ByteReader(bytes)
        let tag = try r.byte()
        switch tag {
        case UInt8(ascii: "B"):
            return .begin(finalLSN: LSN(try r.uint64()), commitTime: Int64(bitPattern: try r.uint64()), xid: try r.uint32())
        case UInt8(ascii: "C"):
            _ = try r.byte() // flags, unused
            return .commit(commitLSN: LSN(try r.uint64()), endLSN: LSN(try r.uint64()), commitTime: Int64(bitPattern: try r.uint64()))
        case UInt8(ascii: "O"):
            _ = try r.uint64()
            return .origin(name: try r.cString())
        case UInt8(ascii: "R"):
            let id = try r.uint32()
            let schema = try r.cString()
            let name = try r.cString()
            _ = try r.byte() // replica identity setting
            let count = Int(try r.uint16())
            var columns: [String] = []
            columns.reserveCapacity(count)
            for _ in 0..<count {
                _ = try r.byte() // flags (part of the key)
                columns.append(try r.cString())
                _ = try r.uint32() // type oid
                _ = try r.uint32() // type modifier
            }
            return .relation(Relation(id: id, schema: schema, name: name, columns: columns))
        case UInt8(ascii: "I"):
            let id = try r.uint32()
            try r.expect("N")
            return .insert(relationID: id, new: try r.tuple())
        case UInt8(ascii: "U"):
            let id = try r.uint32()
            var kind = try r.byte()
            var old: [Value]?
            if kind == UInt8(ascii: "K") || kind == UInt8(ascii: "O") {
                old = try r.tuple()
                kind = try r.byte()
            }
            guard kind == UInt8(ascii: "N") else { throw r.malformed("update without a new row") }
            return .update(relationID: id, old: old, new: try r.tuple())
        case UInt8(ascii: "D"):
            let id = try r.uint32()
            let kind = try r.byte()
            guard kind == UInt8(ascii: "K") || kind == UInt8(ascii: "O") else { throw r.malformed("delete without an old row") }
            return .delete(relationID: id, old: try r.tuple())
        case UInt8(ascii: "T"):
            let count = Int(try r.uint32())
            _ = try r.byte() // options (CASCADE, RESTART IDENTITY)
            var ids: [UInt32] = []
            for _ in 0..<count { ids.append(try r.uint32()) }
            return .truncate(relationIDs: ids)
        default:
            return .other(tag)
        }
    }
}

/// Big-endian reads over a byte array, failing with ``CoreError/Code/malformedReplicationMessage``.
struct ByteReader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func malformed(_ what: String) -> CoreError {
        CoreError(.malformedReplicationMessage, "replication message \(bytes.first.map { String(UnicodeScalar($0)) } ?? "(empty)"): \(what) at byte \(index) of \(bytes.count)")
    }

    mutating func byte() throws -> UInt8 {
        guard index < bytes.count else { throw malformed("truncated") }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func expect(_ ascii: Unicode.Scalar) throws {
        guard try byte() == UInt8(ascii: ascii) else { throw malformed("expected '\(ascii)'") }
    }

    mutating func integer(_ size: Int) throws -> UInt64 {
        guard index + size <= bytes.count else { throw malformed("truncated") }
        var v: UInt64 = 0
        for i in index..<(index + size) { v = v << 8 | UInt64(bytes[i]) }
        index += size
        return v
    }

    mutating func uint16() throws -> UInt16 { UInt16(try integer(2)) }
    mutating func uint32() throws -> UInt32 { UInt32(try integer(4)) }
    mutating func uint64() throws -> UInt64 { try integer(8) }

    mutating func cString() throws -> String {
        guard let end = bytes[index...].firstIndex(of: 0) else { throw malformed("unterminated string") }
        defer { index = end + 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    mutating func tuple() throws -> [PgOutputMessage.Value] {
        let count = Int(try uint16())
        var values: [PgOutputMessage.Value] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            switch try byte() {
            case UInt8(ascii: "n"): values.append(.null)
            case UInt8(ascii: "u"): values.append(.unchangedToast)
            case UInt8(ascii: "t"), UInt8(ascii: "b"):
                let length = Int(try uint32())
                guard index + length <= bytes.count else { throw malformed("truncated column value") }
                values.append(.text(String(decoding: bytes[index..<(index + length)], as: UTF8.self)))
                index += length
            default:
                throw malformed("unknown column kind")
            }
        }
        return values
    }
}
