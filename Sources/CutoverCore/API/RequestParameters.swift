/// The rules every API request shares, for query parameters, form fields and JSON bodies alike:
/// unknown names are an error naming every one of them, and integers are canonical decimals only
/// (`5`, not `05`, `+5` or `5.0`), so a typo or a sloppy client never silently widens a request.
///
/// Errors are ``CoreError/Code/invalidArgument`` with the offending name in `context["parameter"]`,
/// which the server turns into a `400 request.invalid` problem naming that parameter.
public enum RequestParameters {
    /// An `invalidArgument` error about `parameter`.
    public static func invalid(_ parameter: String, _ message: String) -> CoreError {
        CoreError(.invalidArgument, message, context: ["parameter": parameter])
    }

    /// Throws when `names` holds any name outside `known`, naming every unknown one (sorted) and the
    /// known ones. `kind` is what the names are, for the message: "query parameter" or "field".
    /// The error's `parameter` is the first unknown name.
    public static func rejectUnknown(_ names: some Sequence<String>, known: Set<String>, kind: String = "query parameter") throws(CoreError) {
        let unknown = names.filter { !known.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let what = unknown.count == 1 ? "unknown \(kind) \(first)" : "unknown \(kind)s \(unknown.joined(separator: ", "))"
        let allowed = known.isEmpty ? "this endpoint takes none" : "known: \(known.sorted().joined(separator: ", "))"
        throw invalid(first, "\(what); \(allowed)")
    }

    /// The value of a canonical decimal integer: `0`, or an optional `-` and digits without a
    /// leading zero (at most 18 of them); nil for anything else (`+5`, `05`, `5.0`, ` 5`, `1e3`).
    public static func integer(_ text: some StringProtocol) -> Int? {
        var digits = Substring(text).utf8
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard let first = digits.first, digits.count <= 18, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard first != 48 || (digits.count == 1 && !negative) else { return nil }
        guard let magnitude = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// The integer parameter `name` within `range` (nil when absent), or an error naming it.
    public static func integer(_ name: String, _ value: String?, in range: ClosedRange<Int>) throws(CoreError) -> Int? {
        guard let value else { return nil }
        guard let n = integer(value), range.contains(n) else {
            throw invalid(name, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), written plainly (such as \(range.lowerBound)); got \(value)")
        }
        return n
    }

    /// Territory codes look like `DE-BY` or `AT-W`.
    public static func isTerritoryCode(_ s: some StringProtocol) -> Bool {
        (2...16).contains(s.count) && s.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }

    /// A plain decimal number: an optional `-`, at most 20 digits and at most one `.`.
    public static func isDecimal(_ s: some StringProtocol) -> Bool {
        var digits = 0, dots = 0
        for (i, c) in s.utf8.enumerated() {
            if c == 45, i == 0 { continue }
            if c == 46 { dots += 1; continue }
            guard c >= 48, c <= 57 else { return false }
            digits += 1
        }
        return digits > 0 && digits <= 20 && dots <= 1
    }

    /// A positive decimal id without sign or leading zeros (`17`, not `+17` or `017`).
    public static func positiveID(_ s: some StringProtocol) -> Int64? {
        guard let first = s.utf8.first, first != 48, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let id = Int64(s), id > 0 else { return nil }
        return id
    }
}
