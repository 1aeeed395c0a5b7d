/// Where a read is served from.
public enum ReadSource: String, Sendable, Codable, CaseIterable {
    /// The legacy queries on the write tables.
    case legacy
    /// The read models (projection tables through the views in schema `read`).
    case readModel = "read-model"
}

/// The views of the read API; the unit the reader switch decides on per module.
public enum APIView: String, Sendable, CaseIterable, Codable {
    case customerList = "customers.list"
    case customerDetail = "customers.detail"
    case territoryPipeline = "territories.pipeline"
    case sampleFollowups = "samples.followups"

    /// The projection that serves this view on the read-model path.
    public var projection: String {
        switch self {
        case .customerList, .customerDetail: "customer_overview"
        case .territoryPipeline: "territory_pipeline"
        case .sampleFollowups: "sample_followups"
        }
    }
}
