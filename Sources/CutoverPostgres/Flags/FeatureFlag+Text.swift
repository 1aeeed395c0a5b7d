import CutoverCore
import Foundation

extension FeatureFlag {
    /// When the flag last changed, ISO 8601 in UTC (listings, the admin endpoints, the console).
    public var updatedAtText: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: updatedAt))
    }
}
