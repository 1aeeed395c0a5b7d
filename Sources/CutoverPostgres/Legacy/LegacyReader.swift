import CutoverCore
import Logging
import PostgresNIO

/// The queries FreshFoodz business modules run today on the write tables ("legacy reader").
///
/// Kept in one place so the reader switch can route to them and benchmarks can use them as the
/// anchor. They join and aggregate the write tables on every call and are slow by nature.
public struct LegacyReader: Sendable {
    static let territorySQL = SQLResources.text("legacy_territory_customers")
    static let detailSQL = SQLResources.text("legacy_customer_detail")

    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Customers of a territory ranked by revenue (descending, then id).
    public func territoryCustomers(on client: PostgresClient, territory: String, segment: String? = nil, status: String? = nil,
                                   byID: Bool = false, limit: Int = 50, after: (revenue: String?, id: Int64)? = nil) async throws -> [CustomerListItem] {
        try await client.withConnection {
            try await territoryCustomers(on: $0, territory: territory, segment: segment, status: status, byID: byID, limit: limit, after: after)
        }
    }

    /// Customers of a territory on one connection (inside a caller's transaction): ranked by
    /// revenue as the legacy query does, or (`byID`) the same rows in id order after `after.id`.
    public func territoryCustomers(on connection: PostgresConnection, territory: String, segment: String? = nil, status: String? = nil,
                                   byID: Bool = false, limit: Int = 50, after: (revenue: String?, id: Int64)? = nil) async throws -> [CustomerListItem] {
        var binds = PostgresBindings()
        binds.append(territory)
        binds.append(segment)
        binds.append(status)
        // In id order the legacy query ranks the whole territory (no limit, no revenue position)
        // and the outer query pages by id.
        binds.append(byID ? nil : Int32(clamping: limit))
        binds.append(byID ? nil : after?.revenue)
        binds.append(byID ? nil : after?.id)
        let columns = """
            SELECT id, name, segment, status, territory_code, city, owner_id, owner_name, order_count::int8,
                   revenue::numeric(14,2)::text, last_order_at::text, chef_name, buyer_name, gf_name
            FROM (\(Self.territorySQL.trimmingSemicolonAndWhitespace())) AS legacy
            """
        var sql = columns
        if byID {
            binds.append(after?.id ?? 0)
            binds.append(Int32(clamping: limit))
            sql += "\nWHERE legacy.id > $7 ORDER BY legacy.id LIMIT $8"
        }
        var result: [CustomerListItem] = []
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            for try await row in rows.decode((Int64, String, String, String, String, String?, Int64?, String?, Int64, String, String?, String?, String?, String?).self) {
                result.append(CustomerListItem(id: row.0, name: row.1, segment: row.2, status: row.3, territoryCode: row.4, city: row.5,
                                               ownerId: row.6, ownerName: row.7, orderCount: row.8, revenue: row.9, lastOrderAt: row.10,
                                               primaryChef: row.11, primaryBuyer: row.12, primaryGF: row.13))
            }
        } catch {
            throw Database.translate(error, doing: "legacy territory query")
        }
        return result
    }

    /// One customer's page, or `nil` when the id does not exist.
    public func customerDetail(on client: PostgresClient, id: Int64) async throws -> CustomerDetail? {
        try await client.withConnection { try await customerDetail(on: $0, id: id) }
    }

    /// One customer's page on one connection.
    public func customerDetail(on connection: PostgresConnection, id: Int64) async throws -> CustomerDetail? {
        var binds = PostgresBindings()
        binds.append(id)
        let sql = """
            SELECT id, name, segment, status, territory_code, street, postal_code, city, owner_id, owner_name,
                   protection_owner_id, protection_owner_name, protected_until::text,
                   last_sample_id, last_sample_product, last_sample_sent_at::text, last_sample_feedback, last_sample_rating::int4,
                   last_sample_follow_up_due::text, last_sample_followed_up_at::text,
                   last_order_at::text, last_order_net_amount::numeric(14,2)::text, order_count::int8, revenue::numeric(14,2)::text,
                   last_activity_kind, to_char(last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), last_activity_user_name, contacts::text
            FROM (\(Self.detailSQL.trimmingSemicolonAndWhitespace())) AS legacy
            """
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            for try await row in rows {
                return try LegacyRowDecoder.detail(row)
            }
        } catch {
            throw Database.translate(error, doing: "legacy customer detail query")
        }
        return nil
    }
}
