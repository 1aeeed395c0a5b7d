import CutoverCore
import CutoverPostgres
import Foundation
import Logging
import PostgresNIO
import Testing

@Suite("Seed", .timeLimit(.minutes(5)))
struct SeedTests {
    let logger = TestCluster.logger
    static let tables = ["crm.users", "crm.user_territories", "crm.customers", "crm.contacts", "crm.lead_protections",
                         "crm.samples", "crm.orders", "crm.activities"]

    func checksums(_ target: DatabaseTarget) async throws -> [String] {
        var out: [String] = []
        for table in Self.tables { out.append(try await SQL.tableChecksum(target, table)) }
        return out
    }

    @Test("the same seed gives identical tables; another seed does not")
    func seedingIsDeterministic() async throws {
        let a = try await TestCluster.shared.migratedDatabase()
        let b = try await TestCluster.shared.migratedDatabase()
        try await TestCluster.seed(a, customers: 800, seed: 7)
        try await TestCluster.seed(b, customers: 800, seed: 7)
        let first = try await checksums(a)
        #expect(first == (try await checksums(b)))
        // Re-seeding the same database replaces the data with the same data.
        try await TestCluster.seed(a, customers: 800, seed: 7)
        #expect(first == (try await checksums(a)))
        try await TestCluster.seed(b, customers: 800, seed: 8)
        #expect(first != (try await checksums(b)))
        #expect(try await SQL.scalar(a, "SELECT count(*)::text FROM crm.customers") == "800")
    }

    @Test("seeded data is realistic: every role has one primary contact, owners work in the territory, seasonal orders")
    func seededDataIsPlausible() async throws {
        let target = try await TestCluster.shared.seededDatabase()
        #expect(try await SQL.scalar(target, """
            SELECT count(*)::text FROM (SELECT customer_id, role FROM crm.contacts WHERE is_primary GROUP BY 1, 2 HAVING count(*) > 1) x
            """) == "0")
        #expect(try await SQL.scalar(target, """
            SELECT count(*)::text FROM crm.customers c
            WHERE c.owner_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM crm.user_territories ut WHERE ut.user_id = c.owner_id AND ut.territory_code = c.territory_code)
            """) == "0")
        // December is busier than an ordinary month (February) by a clear margin.
        let ratio = try await SQL.scalar(target, """
            SELECT round((count(*) FILTER (WHERE extract(month FROM ordered_at) = 12))::numeric
                   / greatest(1, count(*) FILTER (WHERE extract(month FROM ordered_at) = 2)), 2)::text FROM crm.orders
            """)
        #expect(Double(ratio ?? "0")! > 1.3)
        let protectedShare = try await SQL.scalar(target, """
            SELECT round(count(lp.customer_id)::numeric / count(*), 2)::text
            FROM crm.customers c LEFT JOIN crm.lead_protections lp ON lp.customer_id = c.id WHERE c.status = 'LEAD'
            """)
        #expect(abs(Double(protectedShare ?? "0")! - 0.5) < 0.1)
    }
}
