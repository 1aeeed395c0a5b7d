import CutoverCore
import Logging
import PostgresNIO

/// The read-only queries a run needs: the partitions, how many rows are left, where the next
/// batch ends. None of them runs inside a batch's transaction.
struct BackfillQueries: Sendable {
    let definition: BackfillDefinition
    let logger: Logger

    /// `src.key > $1 [AND (partition) = $2]` over the source aliased `src`.
    private func sourceFilter(partitioned: Bool) -> String {
        var sql = "FROM \(definition.source) src WHERE src.\(definition.key) > $1"
        if partitioned, let partition = definition.partition { sql += " AND (\(partition)) = $2" }
        return sql
    }

    private func bindings(after key: Int64?, partition: String?) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(key ?? Int64.min)
        if let partition { binds.append(partition) }
        return binds
    }

    /// The partitions in the order the definition's `partitions` query lists them.
    func partitions(on connection: PostgresConnection) async throws -> [String] {
        guard let query = definition.partitionsQuery else { return [] }
        var out: [String] = []
        for try await row in try await connection.checkedQuery(PostgresQuery(unsafeSQL: query), logger: logger,
                                                              doing: "\(definition.filename): listing the partitions") {
            if let value = try row.makeRandomAccess()[0].decode(String?.self) { out.append(value) }
        }
        return out
    }

    /// Source rows after `key` (in `partition`, if given).
    func remaining(after key: Int64?, partition: String?, on connection: PostgresConnection) async throws -> Int64 {
        let sql = "SELECT count(*) " + sourceFilter(partitioned: partition != nil)
        var n: Int64 = 0
        for try await value in try await connection.checkedQuery(PostgresQuery(unsafeSQL: sql, binds: bindings(after: key, partition: partition)),
                                                                 logger: logger, doing: "\(definition.filename): counting the rows left").decode(Int64.self) {
            n = value
        }
        return n
    }

    /// The upper key of the next batch and its row count (nil when nothing is left): keyset
    /// pagination, `max(k)` of the next `limit` keys in order.
    func nextBatch(after key: Int64?, partition: String?, limit: Int, on connection: PostgresConnection) async throws -> (upper: Int64, rows: Int64)? {
        let sql = "SELECT max(k)::int8, count(*) FROM (SELECT src.\(definition.key) AS k " + sourceFilter(partitioned: partition != nil)
            + " ORDER BY src.\(definition.key) LIMIT \(limit)) b"
        var result: (Int64, Int64)?
        for try await (upper, rows) in try await connection.checkedQuery(PostgresQuery(unsafeSQL: sql, binds: bindings(after: key, partition: partition)),
                                                                         logger: logger, doing: "\(definition.filename): finding the next batch")
            .decode((Int64?, Int64).self) {
            if let upper, rows > 0 { result = (upper, rows) }
        }
        return result
    }

    /// The batch statement wrapped to count the rows it changes, with its parameters bound.
    func batchStatement(from: Int64?, to: Int64, partition: String?) -> PostgresQuery {
        var binds = PostgresBindings()
        for parameter in definition.statement.parameters {
            switch parameter {
            case .fromKey: binds.append(from ?? Int64.min)
            case .toKey: binds.append(to)
            case .partition: binds.append(partition)
            }
        }
        return PostgresQuery(unsafeSQL: "WITH batch AS (\n\(definition.statement.translated)\nRETURNING 1\n) SELECT count(*) FROM batch", binds: binds)
    }
}
