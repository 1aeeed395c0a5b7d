/// Who is calling the read API, as established from an API token.
public struct Caller: Sendable, Equatable {
    /// What a token may do: `reader` reads the views it is granted; `ops` also reads
    /// operational endpoints; `admin` may do everything, token management included.
    public enum Role: String, Sendable, CaseIterable, Codable {
        case reader, ops, admin
    }

    /// Id of the token (never the token itself).
    public var tokenID: Int64
    /// Business module "01" … "08".
    public var module: String
    public var role: Role
    /// Territory codes this caller may read (already expanded when the token says "every territory").
    public var territories: [String]
    /// The CRM user the token acts for, if any (lead protection compares it with the protection's owner).
    public var userID: Int64?
    /// That user's CRM role (`MANAGER` sees protected leads' contacts).
    public var userRole: String?
    /// The token grants every territory (`*`): a territory outside ``territories`` does not exist.
    public var everyTerritory = false

    public init(tokenID: Int64, module: String, role: Role, territories: [String], userID: Int64? = nil, userRole: String? = nil) {
        self.tokenID = tokenID
        self.module = module
        self.role = role
        self.territories = territories
        self.userID = userID
        self.userRole = userRole
    }

    /// Whether the caller may read `territory`.
    public func mayRead(territory: String) -> Bool { territories.contains(territory) }

    /// Whether the caller sees the contact details of a lead protected for `protectionOwnerID`
    /// until `protectedUntil` (ISO date), on `today` (ISO date). Mirrors
    /// `cutover.reader_sees_contacts` in the database, for the legacy path.
    public func seesContacts(protectionOwnerID: Int64?, protectedUntil: String?, today: String) -> Bool {
        guard let protectionOwnerID, let protectedUntil else { return true }
        if protectedUntil < today { return true }
        return protectionOwnerID == userID || userRole == "MANAGER"
    }
}
