import CutoverCore
import Foundation
import PostgresNIO

/// Decodes legacy detail rows into ``CustomerDetail``.
enum LegacyRowDecoder {
    private struct ContactJSON: Decodable {
        var id: Int64
        var role: String
        var first_name: String
        var last_name: String
        var email: String?
        var phone: String?
        var is_primary: Bool
    }

    static func detail(_ row: PostgresRow) throws -> CustomerDetail {
        let c = row.makeRandomAccess()
        func s(_ i: Int) throws -> String? { try c[i].decode(String?.self) }
        func i64(_ i: Int) throws -> Int64? { try c[i].decode(Int64?.self) }
        var sample: CustomerDetail.Sample?
        if let sampleID = try i64(13) {
            sample = .init(id: sampleID, product: try s(14) ?? "", sentAt: try s(15) ?? "", feedback: try s(16),
                           rating: try c[17].decode(Int32?.self).map(Int.init), followUpDue: try s(18), followedUpAt: try s(19))
        }
        let contactsJSON = try s(27) ?? "[]"
        let contacts = try JSONDecoder().decode([ContactJSON]?.self, from: Data(contactsJSON.utf8)) ?? []
        return CustomerDetail(
            id: try c[0].decode(Int64.self), name: try c[1].decode(String.self), segment: try c[2].decode(String.self),
            status: try c[3].decode(String.self), territoryCode: try c[4].decode(String.self),
            street: try s(5), postalCode: try s(6), city: try s(7), ownerId: try i64(8), ownerName: try s(9),
            protectionOwnerId: try i64(10), protectionOwnerName: try s(11), protectedUntil: try s(12),
            lastSample: sample, lastOrderAt: try s(20), lastOrderAmount: try s(21), orderCount: try i64(22) ?? 0,
            revenue: try s(23) ?? "0.00", lastActivityKind: try s(24), lastActivityAt: try s(25), lastActivityBy: try s(26),
            contacts: contacts.map { .init(id: $0.id, role: $0.role, firstName: $0.first_name, lastName: $0.last_name,
                                           email: $0.email, phone: $0.phone, isPrimary: $0.is_primary) })
    }
}
