/// Customer segments of the FreshFoodz CRM.
public enum CustomerSegment: String, Sendable, CaseIterable, Codable {
    case restaurant = "RESTAURANT"
    case hotel = "HOTEL"
    case kantine = "KANTINE"
    case catering = "CATERING"
}

/// Pipeline status of a customer.
public enum CustomerStatus: String, Sendable, CaseIterable, Codable {
    case lead = "LEAD"
    case prospect = "PROSPECT"
    case active = "ACTIVE"
    case inactive = "INACTIVE"
}

/// Roles a customer contact can hold.
public enum ContactRole: String, Sendable, CaseIterable, Codable {
    case chef = "CHEF"
    case buyer = "BUYER"
    case gf = "GF"
}

/// Sales territories. Codes are stable identifiers used in tokens, flags and RLS settings.
public enum Territory {
    public static let codes: [String] = ["DE-BY", "DE-BW", "DE-BE", "DE-HH", "DE-NW", "DE-HE", "AT-W", "CH-ZH"]

    /// Validates a territory code, naming the valid ones on error.
    public static func validate(_ code: String) throws(CoreError) -> String {
        guard codes.contains(code) else {
            throw CoreError(.invalidArgument, "unknown territory \"\(code)\"; valid: \(codes.joined(separator: ", "))",
                            context: ["territory": code])
        }
        return code
    }
}
