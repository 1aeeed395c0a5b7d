/// One row of a territory's customer list ranked by revenue.
public struct CustomerListItem: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var segment: String
    public var status: String
    public var territoryCode: String
    public var city: String?
    public var ownerId: Int64?
    public var ownerName: String?
    public var orderCount: Int64
    /// Sum of order net amounts as exact decimal text (for example "12345.60").
    public var revenue: String
    /// ISO date (yyyy-mm-dd) of the newest order.
    public var lastOrderAt: String?
    public var primaryChef: String?
    public var primaryBuyer: String?
    public var primaryGF: String?

    public init(id: Int64, name: String, segment: String, status: String, territoryCode: String, city: String?,
                ownerId: Int64?, ownerName: String?, orderCount: Int64, revenue: String, lastOrderAt: String?,
                primaryChef: String?, primaryBuyer: String?, primaryGF: String?) {
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
    }
}
