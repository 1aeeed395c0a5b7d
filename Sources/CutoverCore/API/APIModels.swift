/// A customer in a list (`GET /v1/customers`).
public struct CustomerSummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var segment: String
    public var status: String
    public var territoryCode: String
    public var city: String?
    public var ownerId: Int64?
    public var ownerName: String?
    public var orderCount: Int64
    /// Exact decimal text, e.g. "12345.60".
    public var revenue: String
    /// ISO date of the newest order.
    public var lastOrderAt: String?
    /// Names of the primary contacts; `nil` when there is none or when `contactsMasked`.
    public var primaryChef: String?
    public var primaryBuyer: String?
    public var primaryGF: String?
    /// The customer is a lead protected for somebody else: contact fields are withheld.
    public var contactsMasked: Bool

    public init(id: Int64, name: String, segment: String, status: String, territoryCode: String, city: String?, ownerId: Int64?,
                ownerName: String?, orderCount: Int64, revenue: String, lastOrderAt: String?, primaryChef: String?,
                primaryBuyer: String?, primaryGF: String?, contactsMasked: Bool) {
        self.id = id
        self.name = name
        self.segment = segment
        self.status = status
        self.territoryCode = territoryCode
        self.city = city
        self.ownerId = ownerId
        self.ownerName = ownerName
        self.orderCount = orderCount
        self.revenue = revenue
        self.lastOrderAt = lastOrderAt
        self.primaryChef = primaryChef
        self.primaryBuyer = primaryBuyer
        self.primaryGF = primaryGF
        self.contactsMasked = contactsMasked
    }
}

/// A page of results with the cursor for the next page (`nil` on the last page).
public struct Page<Item: Sendable & Equatable & Codable>: Sendable, Equatable, Codable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// One customer (`GET /v1/customers/{id}`).
public struct CustomerView: Sendable, Equatable, Codable {
    public struct Contact: Sendable, Equatable, Codable {
        /// CHEF, BUYER or GF.
        public var role: String
        public var id: Int64
        public var name: String
        public var email: String?
        public var phone: String?

        public init(role: String, id: Int64, name: String, email: String?, phone: String?) {
            self.role = role
            self.id = id
            self.name = name
            self.email = email
            self.phone = phone
        }
    }

    public struct Protection: Sendable, Equatable, Codable {
        public var ownerId: Int64
        public var ownerName: String?
        /// ISO date.
        public var until: String

        public init(ownerId: Int64, ownerName: String?, until: String) {
            self.ownerId = ownerId
            self.ownerName = ownerName
            self.until = until
        }
    }

    /// The last sample, as the write model and the legacy detail query know it.
    public typealias Sample = CustomerDetail.Sample

    public struct Orders: Sendable, Equatable, Codable {
        public var count: Int64
        public var revenue: String
        public var lastOrderAt: String?
        public var lastOrderAmount: String?

        public init(count: Int64, revenue: String, lastOrderAt: String?, lastOrderAmount: String?) {
            self.count = count
            self.revenue = revenue
            self.lastOrderAt = lastOrderAt
            self.lastOrderAmount = lastOrderAmount
        }
    }

    public struct Activity: Sendable, Equatable, Codable {
        public var kind: String
        /// ISO timestamp (UTC).
        public var at: String
        public var by: String?

        public init(kind: String, at: String, by: String?) {
            self.kind = kind
            self.at = at
            self.by = by
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
    public var protection: Protection?
    /// Primary contact per role (CHEF, BUYER, GF order); empty when `contactsMasked`.
    public var primaryContacts: [Contact]
    public var contactsMasked: Bool
    public var lastSample: Sample?
    public var orders: Orders
    public var lastActivity: Activity?

    public init(id: Int64, name: String, segment: String, status: String, territoryCode: String, street: String?, postalCode: String?,
                city: String?, ownerId: Int64?, ownerName: String?, protection: Protection?, primaryContacts: [Contact],
                contactsMasked: Bool, lastSample: Sample?, orders: Orders, lastActivity: Activity?) {
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
        self.protection = protection
        self.primaryContacts = primaryContacts
        self.contactsMasked = contactsMasked
        self.lastSample = lastSample
        self.orders = orders
        self.lastActivity = lastActivity
    }
}
