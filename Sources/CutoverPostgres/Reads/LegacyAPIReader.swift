import CutoverCore
import Logging
import PostgresNIO

/// The read API's legacy path: the legacy queries on the write tables, shaped like the read-model
/// path's answers. Runs inside a ``ReaderContext`` (settings, no role switch): it enforces the
/// caller's territories itself and masks protected leads' contacts with the same database
/// function the read views use, so both paths answer alike.
public struct LegacyAPIReader: Sendable {
    public var logger: Logger
    /// `territory_pipeline`'s recompute query: on the write tables it is the legacy computation.
    public var pipelineSQL: String
    /// `sample_followups`' recompute query, likewise.
    public var followUpsSQL: String

    public init(logger: Logger, pipelineSQL: String, followUpsSQL: String) {
        self.logger = logger
        self.pipelineSQL = pipelineSQL
        self.followUpsSQL = followUpsSQL
    }

    public func customers(on c: PostgresConnection, _ q: CustomerListQuery) async throws -> Page<CustomerSummary> {
        let rows = try await LegacyReader(logger: logger).territoryCustomers(
            on: c, territory: q.territory, segment: q.segment, status: q.status, byID: q.sort == .id, limit: q.limit + 1,
            after: q.after.map { ($0.revenue, $0.id) })
        let hidden = try await maskedCustomers(on: c, ids: rows.map(\.id))
        let items = rows.map { row in
            let masked = hidden.contains(row.id)
            return CustomerSummary(id: row.id, name: row.name, segment: row.segment, status: row.status, territoryCode: row.territoryCode,
                                   city: row.city, ownerId: row.ownerId, ownerName: row.ownerName, orderCount: row.orderCount,
                                   revenue: row.revenue, lastOrderAt: row.lastOrderAt, primaryChef: masked ? nil : row.primaryChef,
                                   primaryBuyer: masked ? nil : row.primaryBuyer, primaryGF: masked ? nil : row.primaryGF, contactsMasked: masked)
        }
        return ReadModelReader.page(items, limit: q.limit) { q.position(after: $0).cursor }
    }

    /// Ids among `ids` whose contacts the caller may not see.
    func maskedCustomers(on c: PostgresConnection, ids: [Int64]) async throws -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let rows = try await c.query("""
            SELECT customer_id FROM crm.lead_protections
            WHERE customer_id = ANY(\(ids)) AND NOT cutover.reader_sees_contacts(owner_id, protected_until, (SELECT cutover.reader_user_id()), (SELECT cutover.reader_is_manager()))
            """, logger: logger)
        var out = Set<Int64>()
        for try await id in rows.decode(Int64.self) { out.insert(id) }
        return out
    }

    public func customer(on c: PostgresConnection, id: Int64, caller: Caller) async throws -> CustomerView? {
        guard let d = try await LegacyReader(logger: logger).customerDetail(on: c, id: id), caller.mayRead(territory: d.territoryCode) else {
            return nil
        }
        let masked = try await maskedCustomers(on: c, ids: [id]).contains(id)
        var contacts: [CustomerView.Contact] = []
        if !masked {
            for role in ["CHEF", "BUYER", "GF"] {
                if let k = d.contacts.first(where: { $0.role == role && $0.isPrimary }) {
                    contacts.append(.init(role: role, id: k.id, name: k.firstName + " " + k.lastName, email: k.email, phone: k.phone))
                }
            }
        }
        var protection: CustomerView.Protection?
        if let owner = d.protectionOwnerId, let until = d.protectedUntil {
            protection = .init(ownerId: owner, ownerName: d.protectionOwnerName, until: until)
        }
        var activity: CustomerView.Activity?
        if let kind = d.lastActivityKind, let at = d.lastActivityAt {
            activity = .init(kind: kind, at: at, by: d.lastActivityBy)
        }
        return CustomerView(id: d.id, name: d.name, segment: d.segment, status: d.status, territoryCode: d.territoryCode, street: d.street,
                            postalCode: d.postalCode, city: d.city, ownerId: d.ownerId, ownerName: d.ownerName, protection: protection,
                            primaryContacts: contacts, contactsMasked: masked, lastSample: d.lastSample,
                            orders: .init(count: d.orderCount, revenue: d.revenue, lastOrderAt: d.lastOrderAt, lastOrderAmount: d.lastOrderAmount),
                            lastActivity: activity)
    }

    public func pipeline(on c: PostgresConnection, territory: String) async throws -> TerritoryPipeline {
        var binds = PostgresBindings()
        binds.append([territory])
        let rows = try await c.query(PostgresQuery(unsafeSQL: """
            SELECT segment, customers_total, leads, prospects, active, inactive, protected_leads, max_protected_until::text,
                   samples_awaiting_follow_up, next_follow_up_due::text, order_count, revenue::text
            FROM (\(pipelineSQL)) AS legacy ORDER BY segment
            """, binds: binds), logger: logger)
        return TerritoryPipeline(territoryCode: territory, segments: try await ReadModelReader.segments(rows))
    }

    public func followUps(on c: PostgresConnection, _ q: FollowUpQuery) async throws -> Page<SampleFollowUp> {
        // The recompute query takes its keys as $1: every awaiting sample of the territory.
        let keyRows = try await c.query("""
            SELECT s.id FROM crm.samples s JOIN crm.customers c ON c.id = s.customer_id
            WHERE c.territory_code = \(q.territory) AND s.follow_up_due IS NOT NULL AND s.followed_up_at IS NULL
            """, logger: logger)
        var keys: [Int64] = []
        for try await id in keyRows.decode(Int64.self) { keys.append(id) }
        var binds = PostgresBindings()
        binds.append(keys)
        var filter = ""
        if let owner = q.ownerID {
            binds.append(owner)
            filter += " AND legacy.owner_id = $\(binds.count)"
        }
        if let after = q.after {
            binds.append(after.due)
            let d = binds.count
            binds.append(after.sampleID)
            filter += " AND (legacy.follow_up_due, legacy.sample_id) > ($\(d)::date, $\(binds.count))"
        }
        binds.append(Int64(q.limit + 1))
        let limit = binds.count
        let keyed = followUpsSQL
        let rows = try await c.query(PostgresQuery(unsafeSQL: """
            SELECT legacy.sample_id, legacy.customer_id, legacy.customer_name, legacy.territory_code, legacy.product,
                   legacy.sent_at::text, legacy.follow_up_due::text AS follow_up_due_text,
                   CASE WHEN v.visible THEN legacy.contact_id END AS contact_id,
                   CASE WHEN v.visible THEN legacy.contact_name END AS contact_name,
                   CASE WHEN v.visible THEN legacy.contact_email END AS contact_email,
                   CASE WHEN v.visible THEN legacy.contact_phone END AS contact_phone,
                   legacy.owner_id, legacy.owner_name, NOT v.visible AS contacts_masked
            FROM (\(keyed)) AS legacy
            CROSS JOIN LATERAL (SELECT cutover.reader_sees_contacts(legacy.protection_owner_id, legacy.protected_until,
                                                     (SELECT cutover.reader_user_id()), (SELECT cutover.reader_is_manager())) AS visible) v
            WHERE true\(filter)
            ORDER BY legacy.follow_up_due, legacy.sample_id LIMIT $\(limit)
            """, binds: binds), logger: logger)
        let items = try await ReadModelReader.followUps(rows)
        return ReadModelReader.page(items, limit: q.limit) { FollowUpQuery.After(due: $0.followUpDue, sampleID: $0.sampleId).cursor }
    }
}
