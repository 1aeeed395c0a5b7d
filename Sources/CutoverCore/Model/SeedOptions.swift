/// Parameters of the deterministic demo-data generator.
public struct SeedOptions: Sendable, Equatable {
    /// Number of customers (1 … 5,000,000).
    public var customers: Int
    /// PRNG seed: the same seed, count and date give byte-identical tables.
    public var seed: Int64
    /// The "today" of the data set as `yyyy-mm-dd`; orders cover the two years before it.
    public var asOf: String

    /// The default anchor date: fixed, so that data is reproducible from day to day.
    public static let defaultAsOf = "2026-11-01"

    public init(customers: Int, seed: Int64 = 42, asOf: String = SeedOptions.defaultAsOf) throws(CoreError) {
        guard (1...5_000_000).contains(customers) else {
            throw CoreError(.invalidArgument, "--customers must be between 1 and 5000000, got \(customers)", context: ["customers": "\(customers)"])
        }
        guard Self.isISODate(asOf) else {
            throw CoreError(.invalidArgument, "--as-of must be a date like 2026-11-01, got \"\(asOf)\"", context: ["asOf": asOf])
        }
        self.customers = customers
        self.seed = seed
        self.asOf = asOf
    }

    /// Checks `yyyy-mm-dd` with a plausible month and day.
    static func isISODate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return false }
        let days = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1900...2200).contains(y) && (1...12).contains(m) && (1...days[m - 1]).contains(d)
    }
}
