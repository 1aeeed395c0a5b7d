/// Everything a business module shows on a customer's page.
public struct CustomerDetail: Sendable, Equatable, Codable {
    public struct Contact: Sendable, Equatable, Codable {
        public var id: Int64
        public var role: String
        public var firstName: String
        public var lastName: String
        public var email: String?
        public var phone: String?
        public var isPrimary: Bool

        public init(id: Int64, role: String, firstName: String, lastName: String, email: String?, phone: String?, isPrimary: Bool) {
            self.id = id
            self.role = role
            self.firstName = firstName
            self.lastName = lastName
            self.email = email
            self.phone = phone
            self.isPrimary = isPrimary
        }
    }

    public struct Sample: Sendable, Equatable, Codable {
        public var id: Int64
        public var product: String
        public var sentAt: String
        public var feedback: String?
        public var rating: Int?
        public var followUpDue: String?
        public var followedUpAt: String?

        public init(id: Int64, product: String, sentAt: String, feedback: String?, rating: Int?, followUpDue: String?, followedUpAt: String?) {
            self.id = id
            self.product = product
            self.sentAt = sentAt
            self.feedback = feedback
            self.rating = rating
            self.followUpDue = followUpDue
            self.followedUpAt = followedUpAt
        }
    }

    public var id: Int64
    public var name: String
    public var segment: String
    public var status: String
    public var territoryCode: String
    public var street: String?
    public var postalCode: String?
    public var city: String?
    public var ownerId: Int64?
    public var ownerName: String?
    public var protectionOwnerId: Int64?
    public var protectionOwnerName: String?
    /// ISO date until which the lead is protected for its owner.
    public var protectedUntil: String?
    public var lastSample: Sample?
    public var lastOrderAt: String?
    public var lastOrderAmount: String?
    public var orderCount: Int64
    public var revenue: String
    public var lastActivityKind: String?
    public var lastActivityAt: String?
    public var lastActivityBy: String?
    public var contacts: [Contact]

    public init(id: Int64, name: String, segment: String, status: String, territoryCode: String,
                street: String?, postalCode: String?, city: String?, ownerId: Int64?, ownerName: String?,
                protectionOwnerId: Int64?, protectionOwnerName: String?, protectedUntil: String?,
                lastSample: Sample?, lastOrderAt: String?, lastOrderAmount: String?, orderCount: Int64, revenue: String,
                lastActivityKind: String?, lastActivityAt: String?, lastActivityBy: String?, contacts: [Contact]) {
        self.id = id
        self.name = name
        self.segment = segment
        self.status = status
        self.territoryCode = territoryCode
        self.street = street
        self.postalCode = postalCode
        self.city = city
        self.ownerId = ownerId
        self.ownerName = ownerName
        self.protectionOwnerId = protectionOwnerId
        self.protectionOwnerName = protectionOwnerName
        self.protectedUntil = protectedUntil
        self.lastSample = lastSample
        self.lastOrderAt = lastOrderAt
        self.lastOrderAmount = lastOrderAmount
        self.orderCount = orderCount
        self.revenue = revenue
        self.lastActivityKind = lastActivityKind
        self.lastActivityAt = lastActivityAt
        self.lastActivityBy = lastActivityBy
        self.contacts = contacts
    }
}
