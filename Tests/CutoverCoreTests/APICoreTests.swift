import CutoverCore
import Foundation
import Testing

@Suite("Read API core: ids, tokens, callers", .timeLimit(.minutes(1)))
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

    @Test("positive ids are canonical decimals")
    func positiveIDs() {
        #expect(RequestParameters.positiveID("17") == 17)
        for bad in ["+17", "017", "0", "-1", "1.5", "", "99999999999999999999"] { #expect(RequestParameters.positiveID(bad) == nil, "\(bad)") }
        #expect(ISODate.isValid("2028-02-29") && !ISODate.isValid("2027-02-29"))
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
