/// One segment of a territory's pipeline (`GET /v1/territories/{code}/pipeline`).
public struct PipelineSegment: Sendable, Equatable, Codable {
    public var segment: String
    public var customersTotal: Int
    public var leads: Int
    public var prospects: Int
    public var active: Int
    public var inactive: Int
    public var protectedLeads: Int
    public var maxProtectedUntil: String?
    public var samplesAwaitingFollowUp: Int
    public var nextFollowUpDue: String?
    public var orderCount: Int
    public var revenue: String

    public init(segment: String, customersTotal: Int, leads: Int, prospects: Int, active: Int, inactive: Int, protectedLeads: Int,
                maxProtectedUntil: String?, samplesAwaitingFollowUp: Int, nextFollowUpDue: String?, orderCount: Int, revenue: String) {
        self.segment = segment
        self.customersTotal = customersTotal
        self.leads = leads
        self.prospects = prospects
        self.active = active
        self.inactive = inactive
        self.protectedLeads = protectedLeads
        self.maxProtectedUntil = maxProtectedUntil
        self.samplesAwaitingFollowUp = samplesAwaitingFollowUp
        self.nextFollowUpDue = nextFollowUpDue
        self.orderCount = orderCount
        self.revenue = revenue
    }
}

/// A territory's pipeline by segment.
public struct TerritoryPipeline: Sendable, Equatable, Codable {
    public var territoryCode: String
    public var segments: [PipelineSegment]

    public init(territoryCode: String, segments: [PipelineSegment]) {
        self.territoryCode = territoryCode
        self.segments = segments
    }
}

/// A sample awaiting follow-up (`GET /v1/samples/followups`).
public struct SampleFollowUp: Sendable, Equatable, Codable {
    public var sampleId: Int64
    public var customerId: Int64
    public var customerName: String
    public var territoryCode: String
    public var product: String
    public var sentAt: String
    public var followUpDue: String
    public var contactId: Int64?
    public var contactName: String?
    public var contactEmail: String?
    public var contactPhone: String?
    public var ownerId: Int64?
    public var ownerName: String?
    public var contactsMasked: Bool

    public init(sampleId: Int64, customerId: Int64, customerName: String, territoryCode: String, product: String, sentAt: String,
                followUpDue: String, contactId: Int64?, contactName: String?, contactEmail: String?, contactPhone: String?,
                ownerId: Int64?, ownerName: String?, contactsMasked: Bool) {
        self.sampleId = sampleId
        self.customerId = customerId
        self.customerName = customerName
        self.territoryCode = territoryCode
        self.product = product
        self.sentAt = sentAt
        self.followUpDue = followUpDue
        self.contactId = contactId
        self.contactName = contactName
        self.contactEmail = contactEmail
        self.contactPhone = contactPhone
        self.ownerId = ownerId
        self.ownerName = ownerName
        self.contactsMasked = contactsMasked
    }
}
