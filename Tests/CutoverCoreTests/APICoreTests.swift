import CutoverCore
import Foundation
import Testing

@Suite("Read API core: queries, cursors, tokens, callers", .timeLimit(.minutes(1)))
struct APICoreTests {
    @Test("base64url round-trips any text and rejects foreign characters", arguments: ["", "a", "ab", "abc", "r:12345.60:42", "Würzburg ✓"])
    func base64URL(text: String) {
        #expect(Base64URL.decode(Base64URL.encode(text)) == text)
        #expect(!Base64URL.encode(text).contains("="))
    }

    @Test("malformed base64url is nil, not a crash")
    func base64URLRejects() {
        for bad in ["a", "ab=c", "a b", "%27", "////a"] { #expect(Base64URL.decode(bad) == nil, "\(bad)") }
    }

    @Test("customer list parameters: defaults, the caller's only territory, every rejection names its parameter")
    func listQuery() throws {
        let q = try CustomerListQuery(parameters: [:], callerTerritories: ["DE-BY"])
        #expect(q == CustomerListQuery(territory: "DE-BY"))
        let full = try CustomerListQuery(parameters: ["territory": "DE-BW", "segment": "HOTEL", "status": "LEAD", "limit": "200", "sort": "revenue"],
                                         callerTerritories: ["DE-BY", "DE-BW"])
        #expect(full.limit == 200 && full.segment == "HOTEL" && full.status == "LEAD" && full.territory == "DE-BW" && full.sort == .revenue)
        #expect(q.sort == .id, "the default order is the immutable key, so paging is stable under writes")
        let bad: [([String: String], String)] = [
            ([:], "territory"), (["territory": "de-by"], "territory"), (["territory": "DE-BY", "limit": "0"], "limit"),
            (["territory": "DE-BY", "limit": "1e3"], "limit"), (["territory": "DE-BY", "segment": "PUB"], "segment"),
            (["territory": "DE-BY", "status": "x"], "status"), (["territory": "DE-BY", "sort": "name"], "sort"),
            (["territory": "DE-BY", "cursor": "zzz"], "cursor"), (["territory": "DE-BY", "x": "1"], "x"),
            // A cursor belongs to the sort that issued it.
            (["territory": "DE-BY", "cursor": CustomerListQuery.After(revenue: "5.00", id: 3).cursor], "cursor"),
            (["territory": "DE-BY", "sort": "revenue", "cursor": CustomerListQuery.After(id: 3).cursor], "cursor"),
            (["territory": "DE-BY", "cursor": Base64URL.encode("i:0")], "cursor"), (["territory": "DE-BY", "cursor": Base64URL.encode("i:+3")], "cursor"),
        ]
        for (parameters, name) in bad {
            #expect(throws: CoreError.self) { try CustomerListQuery(parameters: parameters, callerTerritories: ["DE-BY", "DE-BW"]) }
            do {
                _ = try CustomerListQuery(parameters: parameters, callerTerritories: ["DE-BY", "DE-BW"])
            } catch {
                #expect(error.code == .invalidArgument && error.context["parameter"] == name, "\(parameters)")
            }
        }
    }

    @Test("cursors round-trip and reject tampering")
    func cursors() {
        let after = CustomerListQuery.After(revenue: "-12.50", id: 42)
        #expect(CustomerListQuery.After(cursor: after.cursor) == after)
        let byID = CustomerListQuery.After(id: 42)
        #expect(CustomerListQuery.After(cursor: byID.cursor) == byID && byID.sort == .id && after.sort == .revenue)
        let page = try? CustomerListQuery(parameters: ["cursor": byID.cursor], callerTerritories: ["DE-BY"])
        #expect(page?.after == byID)
        #expect(CustomerListQuery.After(cursor: Base64URL.encode("r:1;DROP:4")) == nil)
        #expect(CustomerListQuery.After(cursor: Base64URL.encode("f:2026-01-01:4")) == nil)
        let due = FollowUpQuery.After(due: "2026-11-30", sampleID: 7)
        #expect(FollowUpQuery.After(cursor: due.cursor) == due)
        #expect(FollowUpQuery.After(cursor: Base64URL.encode("f:2026-13-01:7")) == nil)
        #expect(FollowUpQuery.After(cursor: Base64URL.encode("f:2026-02-31:7")) == nil)  // found by hand-built cursors: was a 500
        #expect(FollowUpQuery.After(cursor: Base64URL.encode("f:2027-02-29:7")) == nil)
        #expect(FollowUpQuery.After(cursor: Base64URL.encode("f:2028-02-29:7")) != nil)
        #expect(CustomerListQuery.positiveID("17") == 17)
        for bad in ["+17", "017", "0", "-1", "1.5", "", "99999999999999999999"] { #expect(CustomerListQuery.positiveID(bad) == nil, "\(bad)") }
    }

    @Test("tokens: shape, bearer parsing, hash is not the token")
    func tokens() {
        let token = APIToken.generate()
        #expect(APIToken.isWellFormed(token))
        #expect(APIToken.generate() != token)
        #expect(APIToken.hash(token).count == 64 && APIToken.hash(token) != token)
        #expect(APIToken.prefix(token).count == 16)
        #expect(!APIToken.isWellFormed("cutover_" + String(repeating: "G", count: 40)))
        #expect(!APIToken.isWellFormed(token + "0"))
        #expect(APIToken.bearer("Bearer \(token)") == token)
        #expect(APIToken.bearer("bearer   \(token) ") == token)
        #expect(APIToken.bearer("Basic abc") == nil && APIToken.bearer(nil) == nil && APIToken.bearer("Bearer") == nil)
    }

    @Test("lead protection rule: owner and managers see contacts, others only after the protection ended")
    func seesContacts() {
        let rep = Caller(tokenID: 1, module: "02", role: .reader, territories: ["DE-BY"], userID: 5, userRole: "SALES_REP")
        let manager = Caller(tokenID: 2, module: "02", role: .reader, territories: ["DE-BY"], userID: 9, userRole: "MANAGER")
        let anonymous = Caller(tokenID: 3, module: "02", role: .reader, territories: ["DE-BY"])
        let today = "2026-11-27"
        #expect(rep.seesContacts(protectionOwnerID: 5, protectedUntil: "2026-12-01", today: today))
        #expect(!rep.seesContacts(protectionOwnerID: 6, protectedUntil: "2026-12-01", today: today))
        #expect(rep.seesContacts(protectionOwnerID: 6, protectedUntil: "2026-11-26", today: today))
        #expect(manager.seesContacts(protectionOwnerID: 6, protectedUntil: "2026-12-01", today: today))
        #expect(!anonymous.seesContacts(protectionOwnerID: 6, protectedUntil: "2026-11-27", today: today))
        #expect(anonymous.seesContacts(protectionOwnerID: nil, protectedUntil: nil, today: today))
    }
}

@Suite("JSON output of the read API", .timeLimit(.minutes(1)))
struct JSONOutputTests {
    func foundation(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func ours(_ value: some JSONWritable) -> String { String(decoding: value.jsonBytes, as: UTF8.self) }

    @Test("byte for byte what JSONEncoder with sorted keys writes, absent values left out, strings escaped")
    func sameAsFoundation() throws {
        let tricky = "Zum \"Löwen\" \\ Ost/West\n\tÄÖÜ ß – 🍽"
        let full = CustomerSummary(id: 42, name: tricky, segment: "HOTEL", status: "LEAD", territoryCode: "DE-BY", city: "München",
                                   ownerId: 7, ownerName: "Anna", orderCount: 3, revenue: "12.50", lastOrderAt: "2026-10-01",
                                   primaryChef: "A B", primaryBuyer: "C D", primaryGF: "E F", contactsMasked: false)
        let sparse = CustomerSummary(id: 43, name: "X", segment: "HOTEL", status: "LEAD", territoryCode: "DE-BY", city: nil, ownerId: nil,
                                     ownerName: nil, orderCount: 0, revenue: "0.00", lastOrderAt: nil, primaryChef: nil, primaryBuyer: nil,
                                     primaryGF: nil, contactsMasked: true)
        for page in [Page(items: [full, sparse], nextCursor: "abc"), Page(items: [], nextCursor: nil)] {
            #expect(ours(page) == (try foundation(page)))
        }
        let view = CustomerView(id: 1, name: tricky, segment: "KANTINE", status: "ACTIVE", territoryCode: "AT-W", street: "Ring 1", postalCode: "1010",
                                city: "Wien", ownerId: 2, ownerName: "B", protection: .init(ownerId: 2, ownerName: nil, until: "2027-01-01"),
                                primaryContacts: [.init(role: "CHEF", id: 9, name: "C", email: "c@x.at", phone: nil)], contactsMasked: false,
                                lastSample: .init(id: 5, product: "Öl", sentAt: "2026-10-01", feedback: nil, rating: 4, followUpDue: "2026-10-15", followedUpAt: nil),
                                orders: .init(count: 2, revenue: "3.00", lastOrderAt: nil, lastOrderAmount: nil),
                                lastActivity: .init(kind: "VISIT", at: "2026-10-02T10:00:00Z", by: nil))
        #expect(ours(view) == (try foundation(view)))
        var bare = view
        bare.protection = nil
        bare.lastSample = nil
        bare.lastActivity = nil
        bare.primaryContacts = []
        #expect(ours(bare) == (try foundation(bare)))
        let pipeline = TerritoryPipeline(territoryCode: "DE-BY", segments: [
            .init(segment: "HOTEL", customersTotal: 1, leads: 2, prospects: 3, active: 4, inactive: 5, protectedLeads: 6, maxProtectedUntil: nil,
                  samplesAwaitingFollowUp: 7, nextFollowUpDue: "2026-11-01", orderCount: 8, revenue: "9.99"),
        ])
        #expect(ours(pipeline) == (try foundation(pipeline)))
        let followUp = SampleFollowUp(sampleId: 1, customerId: 2, customerName: tricky, territoryCode: "DE-BY", product: "P", sentAt: "2026-10-01",
                                      followUpDue: "2026-10-15", contactId: nil, contactName: nil, contactEmail: nil, contactPhone: nil,
                                      ownerId: 3, ownerName: "O", contactsMasked: true)
        #expect(ours(Page(items: [followUp], nextCursor: nil)) == (try foundation(Page(items: [followUp], nextCursor: nil))))
    }
}
