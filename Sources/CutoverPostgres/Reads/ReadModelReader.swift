import CutoverCore
import Logging
import PostgresNIO

/// The read API's queries on the read models: the views in schema `read`, always inside a
/// ``ReaderContext`` (row-level security and masking apply). Keyset pagination everywhere.
public struct ReadModelReader: Sendable {
    public var logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    static let summaryColumns = """
        customer_id, name, segment, status, territory_code, city, owner_id, owner_name, order_count::int8,
        revenue::text AS revenue_text, last_order_at::text, chef_name, buyer_name, gf_name, contacts_masked
        """

    /// A territory's customers by revenue (descending, then id), one page.
    public func customers(on c: PostgresConnection, _ q: CustomerListQuery) async throws -> Page<CustomerSummary> {
        var binds = PostgresBindings()
        binds.append(q.territory)
        var sql = "SELECT \(Self.summaryColumns) FROM read.customer_overview WHERE territory_code = $1"
        if let segment = q.segment {
            binds.append(segment)
            sql += " AND segment = $\(binds.count)"
        }
        if let status = q.status {
            binds.append(status)
            sql += " AND status = $\(binds.count)"
        }
        if let after = q.after {
            binds.append(after.revenue)
            let r = binds.count
            binds.append(after.id)
            // revenue <= $r bounds the index range; the OR picks the rows after the cursor.
            sql += " AND revenue <= $\(r)::numeric AND (revenue < $\(r)::numeric OR customer_id > $\(binds.count))"
        }
        binds.append(Int64(q.limit + 1))
        sql += " ORDER BY revenue DESC, customer_id LIMIT $\(binds.count)"
        var items: [CustomerSummary] = []
        let rows = try await c.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await row in rows {
            items.append(try Self.summary(row.makeRandomAccess()))
        }
        return Self.page(items, limit: q.limit) { CustomerListQuery.After(revenue: $0.revenue, id: $0.id).cursor }
    }

    static func summary(_ r: PostgresRandomAccessRow) throws -> CustomerSummary {
        CustomerSummary(
            id: try r["customer_id"].decode(Int64.self), name: try r["name"].decode(String.self),
            segment: try r["segment"].decode(String.self), status: try r["status"].decode(String.self),
            territoryCode: try r["territory_code"].decode(String.self), city: try r["city"].decode(String?.self),
            ownerId: try r["owner_id"].decode(Int64?.self), ownerName: try r["owner_name"].decode(String?.self),
            orderCount: try r["order_count"].decode(Int64.self), revenue: try r["revenue_text"].decode(String.self),
            lastOrderAt: try r["last_order_at"].decode(String?.self), primaryChef: try r["chef_name"].decode(String?.self),
            primaryBuyer: try r["buyer_name"].decode(String?.self), primaryGF: try r["gf_name"].decode(String?.self),
            contactsMasked: try r["contacts_masked"].decode(Bool.self))
    }

    /// One customer, or `nil` when it does not exist or the caller may not see it.
    public func customer(on c: PostgresConnection, id: Int64) async throws -> CustomerView? {
        let rows = try await c.query("""
            SELECT customer_id, name, segment, status, territory_code, street, postal_code, city, owner_id, owner_name,
                   protection_owner_id, protection_owner_name, protected_until::text,
                   chef_contact_id, chef_name, chef_email, chef_phone, buyer_contact_id, buyer_name, buyer_email, buyer_phone,
                   gf_contact_id, gf_name, gf_email, gf_phone, contacts_masked,
                   last_sample_id, last_sample_product, last_sample_sent_at::text, last_sample_feedback, last_sample_rating::int4,
                   last_sample_follow_up_due::text, last_sample_followed_up_at::text,
                   order_count::int8, revenue::text, last_order_at::text, last_order_net_amount::text,
                   last_activity_kind, to_char(last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_activity_at,
                   last_activity_user_name
            FROM read.customer_overview WHERE customer_id = \(id)
            """, logger: logger)
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
                orders: .init(count: try r["order_count"].decode(Int64.self), revenue: try r["revenue"].decode(String.self),
                              lastOrderAt: try r["last_order_at"].decode(String?.self), lastOrderAmount: try r["last_order_net_amount"].decode(String?.self)),
                lastActivity: activity)
        }
        return nil
    }

    /// A territory's pipeline by segment.
    public func pipeline(on c: PostgresConnection, territory: String) async throws -> TerritoryPipeline {
        let rows = try await c.query("""
            SELECT segment, customers_total, leads, prospects, active, inactive, protected_leads, max_protected_until::text,
                   samples_awaiting_follow_up, next_follow_up_due::text, order_count, revenue::text
            FROM read.territory_pipeline WHERE territory_code = \(territory) ORDER BY segment
            """, logger: logger)
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

    static let followUpColumns = """
        sample_id, customer_id, customer_name, territory_code, product, sent_at::text, follow_up_due::text AS follow_up_due_text, contact_id,
        contact_name, contact_email, contact_phone, owner_id, owner_name, contacts_masked
        """

    /// Samples awaiting follow-up in a territory by due date, one page.
    public func followUps(on c: PostgresConnection, _ q: FollowUpQuery) async throws -> Page<SampleFollowUp> {
        var binds = PostgresBindings()
        binds.append(q.territory)
        var sql = "SELECT \(Self.followUpColumns) FROM read.sample_followups WHERE territory_code = $1"
        if let owner = q.ownerID {
            binds.append(owner)
            sql += " AND owner_id = $\(binds.count)"
        }
        if let after = q.after {
            binds.append(after.due)
            let d = binds.count
            binds.append(after.sampleID)
            sql += " AND (follow_up_due, sample_id) > ($\(d)::date, $\(binds.count))"
        }
        binds.append(Int64(q.limit + 1))
        sql += " ORDER BY follow_up_due, sample_id LIMIT $\(binds.count)"
        let rows = try await c.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        let items = try await Self.followUps(rows)
        return Self.page(items, limit: q.limit) { FollowUpQuery.After(due: $0.followUpDue, sampleID: $0.sampleId).cursor }
    }

    static func followUps(_ rows: PostgresRowSequence) async throws -> [SampleFollowUp] {
        var out: [SampleFollowUp] = []
        for try await row in rows {
            let r = row.makeRandomAccess()
            out.append(SampleFollowUp(
                sampleId: try r["sample_id"].decode(Int64.self), customerId: try r["customer_id"].decode(Int64.self),
                customerName: try r["customer_name"].decode(String.self), territoryCode: try r["territory_code"].decode(String.self),
                product: try r["product"].decode(String.self), sentAt: try r["sent_at"].decode(String.self),
                followUpDue: try r["follow_up_due_text"].decode(String.self), contactId: try r["contact_id"].decode(Int64?.self),
                contactName: try r["contact_name"].decode(String?.self), contactEmail: try r["contact_email"].decode(String?.self),
                contactPhone: try r["contact_phone"].decode(String?.self), ownerId: try r["owner_id"].decode(Int64?.self),
                ownerName: try r["owner_name"].decode(String?.self), contactsMasked: try r["contacts_masked"].decode(Bool.self)))
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
