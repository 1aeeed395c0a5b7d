/// A projection as declared in `projections/<name>/`: a read table kept equal to a recompute
/// SELECT over the write tables, and how changed source rows map to the keys to recompute.
public struct ProjectionDefinition: Sendable, Equatable {
    /// The type of the recompute key.
    public enum KeyType: String, Sendable, Equatable, CaseIterable {
        case bigint, text

        /// The PostgreSQL array type of keys, used to cast `$1`.
        public var arrayType: String { self == .bigint ? "bigint[]" : "text[]" }
    }

    /// How a changed row of one source table maps to keys.
    public struct Source: Sendable, Equatable {
        public enum Mapping: Sendable, Equatable {
            /// The key is this column of the changed row (old and new values both).
            case column(String)
            /// Fan-out: the old and new values of `parameter` are passed as `$1` to `query`, which returns keys.
            case query(parameter: String, sql: String)
        }

        /// Schema-qualified table (`crm.contacts`).
        public var table: String
        public var mapping: Mapping

        public init(table: String, mapping: Mapping) {
            self.table = table
            self.mapping = mapping
        }

        /// The column of the source row this mapping needs captured.
        public var capturedColumn: String {
            switch mapping {
            case .column(let c): c
            case .query(let p, _): p
            }
        }
    }

    public var name: String
    public var version: Int
    public var description: String
    public var keyColumn: String
    public var keyType: KeyType
    /// Every key of the projection (used for full builds), one column of the key type.
    public var allKeysSQL: String
    public var primaryKey: [String]
    public var sources: [Source]
    /// `CREATE TABLE {{table}} …` and indexes.
    public var tableSQL: String
    /// `SELECT … WHERE key = ANY($1)`, columns in table order.
    public var recomputeSQL: String
    /// At most one batch per this many milliseconds (0: no limit). Changes arriving in between are
    /// coalesced into the next batch, so an aggregate over many rows is recomputed once per interval
    /// instead of after every write; its staleness is bounded by the interval plus one batch.
    public var minIntervalMilliseconds: Int
    /// `SELECT … FROM {{table}}`: what readers see through the view in schema `read` (masking
    /// columns, say). `nil`: every column of the table.
    public var viewSQL: String?

    public init(name: String, version: Int, description: String, keyColumn: String, keyType: KeyType, allKeysSQL: String,
                primaryKey: [String], sources: [Source], tableSQL: String, recomputeSQL: String, minIntervalMilliseconds: Int = 0,
                viewSQL: String? = nil) {
        self.name = name
        self.version = version
        self.description = description
        self.keyColumn = keyColumn
        self.keyType = keyType
        self.allKeysSQL = allKeysSQL
        self.primaryKey = primaryKey
        self.sources = sources
        self.tableSQL = tableSQL
        self.recomputeSQL = recomputeSQL
        self.minIntervalMilliseconds = minIntervalMilliseconds
        self.viewSQL = viewSQL
    }

    /// `customer_overview_v1`
    public var versionedName: String { "\(name)_v\(version)" }
    /// `projection.customer_overview_v1`: the physical read table of this version.
    public var table: String { "projection.\(versionedName)" }
    /// `read.customer_overview`: the view readers use; it points at the live version.
    public var view: String { "read.\(name)" }

    /// The table DDL with placeholders substituted, optionally for another physical name.
    public func renderedTableSQL(table: String? = nil, name: String? = nil) -> String {
        tableSQL.replacingAll("{{table}}", with: table ?? self.table).replacingAll("{{name}}", with: name ?? versionedName)
    }

    /// The view's query over the live table.
    public var renderedViewSQL: String { renderedViewSQL(table: table) }

    /// The view's query over `table` (a rebuild's shadow table at its swap).
    public func renderedViewSQL(table: String) -> String {
        (viewSQL ?? "SELECT * FROM {{table}}").replacingAll("{{table}}", with: table)
    }

    /// The mapping for a source table, if this projection reads it.
    public func source(for table: String) -> Source? { sources.first { $0.table == table } }
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation in the core).
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}

extension ProjectionDefinition {
    /// The source tables of each projection, by projection name.
    public static func sourceTables(_ projections: [ProjectionDefinition]) -> [String: [String]] {
        Dictionary(projections.map { ($0.name, $0.sources.map(\.table)) }, uniquingKeysWith: { first, _ in first })
    }
}
