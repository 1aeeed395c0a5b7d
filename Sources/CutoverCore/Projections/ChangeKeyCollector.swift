/// One change-log row as the projector sees it for one projection: the values of the column
/// this projection maps from (old and new), already extracted by SQL.
public struct ChangeRow: Sendable, Equatable {
    public var id: Int64
    public var sourceTable: String
    /// `I`, `U`, `D` or `T` (truncate).
    public var operation: String
    public var oldValue: String?
    public var newValue: String?

    public init(id: Int64, sourceTable: String, operation: String, oldValue: String?, newValue: String?) {
        self.id = id
        self.sourceTable = sourceTable
        self.operation = operation
        self.oldValue = oldValue
        self.newValue = newValue
    }
}

/// Turns a batch of changes into the keys to recompute, without I/O: direct keys from column
/// mappings, parameter values for fan-out queries (run by the caller), or "rebuild everything"
/// when a source table was truncated.
public struct ChangeKeyCollector: Sendable {
    public var projection: ProjectionDefinition

    public init(projection: ProjectionDefinition) {
        self.projection = projection
    }

    /// The keys a batch affects.
    public struct Result: Sendable, Equatable {
        /// Keys from column mappings (text form; bigint keys are decimal text).
        public var keys: Set<String> = []
        /// Source table -> values of the mapped parameter column, for its key query.
        public var queryParameters: [String: Set<String>] = [:]
        /// A source table was truncated: recompute every key.
        public var needsFullRebuild = false
    }

    public func collect(_ rows: [ChangeRow]) -> Result {
        var result = Result()
        for row in rows {
            guard let source = projection.source(for: row.sourceTable) else { continue }
            if row.operation == "T" {
                result.needsFullRebuild = true
                continue
            }
            let values = [row.oldValue, row.newValue].compactMap { $0 }
            switch source.mapping {
            case .column:
                result.keys.formUnion(values)
            case .query:
                result.queryParameters[source.table, default: []].formUnion(values)
            }
        }
        return result
    }
}
