/// Where a read is served from.
public enum ReadSource: String, Sendable, Codable, CaseIterable {
    /// The legacy queries on the write tables.
    case legacy
    /// The read models (projection tables through the views in schema `read`).
    case readModel = "read-model"
}

/// A view of the read API by its declared name (`customers.list`): the unit the reader switch
/// decides on per module. Views are declared in `projections/<projection>/views/` (``ViewDeclaration``).
public struct APIView: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ name: String) {
        self.rawValue = name
    }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: APIView, rhs: APIView) -> Bool { lhs.rawValue < rhs.rawValue }
}
