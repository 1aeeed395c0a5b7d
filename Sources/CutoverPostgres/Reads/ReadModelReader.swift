import CutoverCore
import Logging
import PostgresNIO

/// The read API's queries on the read models: one statement per request, a function of
/// migration V005 that sets the caller's context (role `cutover_reader`, territories, user,
/// transaction-local) and reads the views in schema `read`, so row-level security and masking
/// apply. Keyset pagination everywhere.
public struct ReadModelReader: Sendable {
    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// A territory's customers, one page: by id (exactly once per cursor) or by revenue
    /// (descending, then id).
    public func customers(on c: PostgresConnection, as caller: Caller, _ q: CustomerListQuery) async throws -> Page<CustomerSummary> {
        var binds = Self.context(caller)
        binds.append(q.territory)
        binds.append(q.segment)
        binds.append(q.status)
        let sql: String
        switch q.sort {
        case .id:
            binds.append(q.after?.id)
            binds.append(Int32(q.limit + 1))
            sql = "SELECT * FROM read.api_customer_list_by_id($1, $2, $3, $4, $5, $6, $7, $8)"
        case .revenue:
            binds.append(q.after?.revenue)
            binds.append(q.after?.id)
            binds.append(Int32(q.limit + 1))
            sql = "SELECT * FROM read.api_customer_list($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9)"
        }
        let rows = try await c.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        let items = try await Self.summaries(rows)
        return Self.page(items, limit: q.limit) { q.position(after: $0).cursor }
    }

    /// Rows in the column order of `read.api_customer_list`. Positional decoding: a
    /// random-access row builds a name index per row, which cost more than the page's JSON.
    public static func summaries(_ rows: PostgresRowSequence) async throws -> [CustomerSummary] {
        var items: [CustomerSummary] = []
        for try await r in rows.decode((Int64, String, String, String, String, String?, Int64?, String?, Int64, String, String?,
                                        String?, String?, String?, Bool).self) {
            items.append(CustomerSummary(id: r.0, name: r.1, segment: r.2, status: r.3, territoryCode: r.4, city: r.5, ownerId: r.6,
                                         ownerName: r.7, orderCount: r.8, revenue: r.9, lastOrderAt: r.10, primaryChef: r.11,
                                         primaryBuyer: r.12, primaryGF: r.13, contactsMasked: r.14))
        }
        return items
    }

    /// The caller's context (territories, user id, user role) as the first three arguments of the
    /// V005 functions and of ``ReaderContext``'s settings.
    static func context(_ caller: Caller) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(caller.territories.joined(separator: ","))
        binds.append(caller.userID.map { String($0) } ?? "")
        binds.append(caller.userRole ?? "")
        return binds
    }

    /// One customer, or `nil` when it does not exist or the caller may not see it.
    public func customer(on c: PostgresConnection, as caller: Caller, id: Int64) async throws -> CustomerView? {
        var binds = Self.context(caller)
        binds.append(id)
        let rows = try await c.query(PostgresQuery(unsafeSQL: "SELECT * FROM read.api_customer($1, $2, $3, $4)", binds: binds), logger: logger)
        for try await row in rows {
            let r = row.makeRandomAccess()
            var contacts: [CustomerView.Contact] = []
            for role in ["chef", "buyer", "gf"] {
                if let id = try r["\(role)_contact_id"].decode(Int64?.self) {
                    contacts.append(.init(role: role.uppercased(), id: id, name: try r["\(role)_name"].decode(String?.self) ?? "",
                                          email: try r["\(role)_email"].decode(String?.self), phone: try r["\(role)_phone"].decode(String?.self)))
                }
            }
            var protection: CustomerView.Protection?
            if let owner = try r["protection_owner_id"].decode(Int64?.self), let until = try r["protected_until"].decode(String?.self) {
                protection = .init(ownerId: owner, ownerName: try r["protection_owner_name"].decode(String?.self), until: until)
            }
            var sample: CustomerView.Sample?
            if let sid = try r["last_sample_id"].decode(Int64?.self) {
                sample = .init(id: sid, product: try r["last_sample_product"].decode(String?.self) ?? "",
                               sentAt: try r["last_sample_sent_at"].decode(String?.self) ?? "",
                               feedback: try r["last_sample_feedback"].decode(String?.self), rating: try r["last_sample_rating"].decode(Int32?.self).map(Int.init),
                               followUpDue: try r["last_sample_follow_up_due"].decode(String?.self),
                               followedUpAt: try r["last_sample_followed_up_at"].decode(String?.self))
            }
            var activity: CustomerView.Activity?
            if let kind = try r["last_activity_kind"].decode(String?.self), let at = try r["last_activity_at"].decode(String?.self) {
                activity = .init(kind: kind, at: at, by: try r["last_activity_user_name"].decode(String?.self))
            }
            return CustomerView(
                id: try r["customer_id"].decode(Int64.self), name: try r["name"].decode(String.self),
                segment: try r["segment"].decode(String.self), status: try r["status"].decode(String.self),
                territoryCode: try r["territory_code"].decode(String.self), street: try r["street"].decode(String?.self),
                postalCode: try r["postal_code"].decode(String?.self), city: try r["city"].decode(String?.self),
                ownerId: try r["owner_id"].decode(Int64?.self), ownerName: try r["owner_name"].decode(String?.self),
                protection: protection, primaryContacts: contacts, contactsMasked: try r["contacts_masked"].decode(Bool.self),
                lastSample: sample,
                orders: .init(count: try r["order_count"].decode(Int64.self), revenue: try r["revenue_text"].decode(String.self),
                              lastOrderAt: try r["last_order_at"].decode(String?.self), lastOrderAmount: try r["last_order_net_amount"].decode(String?.self)),
                lastActivity: activity)
        }
        return nil
    }

    /// A territory's pipeline by segment.
    public func pipeline(on c: PostgresConnection, as caller: Caller, territory: String) async throws -> TerritoryPipeline {
        var binds = Self.context(caller)
        binds.append(territory)
        let rows = try await c.query(PostgresQuery(unsafeSQL: "SELECT * FROM read.api_pipeline($1, $2, $3, $4)", binds: binds), logger: logger)
        return TerritoryPipeline(territoryCode: territory, segments: try await Self.segments(rows))
    }

    static func segments(_ rows: PostgresRowSequence) async throws -> [PipelineSegment] {
        var out: [PipelineSegment] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            out.append(PipelineSegment(
                segment: try r["segment"].decode(String.self), customersTotal: Int(try r["customers_total"].decode(Int32.self)),
                leads: Int(try r["leads"].decode(Int32.self)), prospects: Int(try r["prospects"].decode(Int32.self)),
                active: Int(try r["active"].decode(Int32.self)), inactive: Int(try r["inactive"].decode(Int32.self)),
                protectedLeads: Int(try r["protected_leads"].decode(Int32.self)), maxProtectedUntil: try r["max_protected_until"].decode(String?.self),
                samplesAwaitingFollowUp: Int(try r["samples_awaiting_follow_up"].decode(Int32.self)),
                nextFollowUpDue: try r["next_follow_up_due"].decode(String?.self), orderCount: Int(try r["order_count"].decode(Int32.self)),
                revenue: try r["revenue"].decode(String.self)))
        }
        return out
    }

    /// Samples awaiting follow-up in a territory by due date, one page.
    public func followUps(on c: PostgresConnection, as caller: Caller, _ q: FollowUpQuery) async throws -> Page<SampleFollowUp> {
        var binds = Self.context(caller)
        binds.append(q.territory)
        binds.append(q.ownerID)
        binds.append(q.after?.due)
        binds.append(q.after?.sampleID)
        binds.append(Int32(q.limit + 1))
        let rows = try await c.query(PostgresQuery(unsafeSQL: "SELECT * FROM read.api_followups($1, $2, $3, $4, $5, $6::date, $7, $8)",
                                                   binds: binds), logger: logger)
        let items = try await Self.followUps(rows)
        return Self.page(items, limit: q.limit) { FollowUpQuery.After(due: $0.followUpDue, sampleID: $0.sampleId).cursor }
    }

    /// Rows in the column order of `read.api_followups` (the legacy path selects the same order).
    static func followUps(_ rows: PostgresRowSequence) async throws -> [SampleFollowUp] {
        var out: [SampleFollowUp] = []
        for try await r in rows.decode((Int64, Int64, String, String, String, String, String, Int64?, String?, String?, String?, Int64?,
                                        String?, Bool).self) {
            out.append(SampleFollowUp(sampleId: r.0, customerId: r.1, customerName: r.2, territoryCode: r.3, product: r.4, sentAt: r.5,
                                      followUpDue: r.6, contactId: r.7, contactName: r.8, contactEmail: r.9, contactPhone: r.10,
                                      ownerId: r.11, ownerName: r.12, contactsMasked: r.13))
        }
        return out
    }

    /// Trims a `limit + 1` fetch to `limit` and makes the next cursor from the last item kept.
    static func page<T>(_ items: [T], limit: Int, cursor: (T) -> String) -> Page<T> {
        guard items.count > limit else { return Page(items: items, nextCursor: nil) }
        let kept = Array(items.prefix(limit))
        return Page(items: kept, nextCursor: kept.last.map(cursor))
    }
}
