import Foundation

/// Escaping for the server-rendered ops console: every value that reaches a page goes through
/// ``escape(_:)`` (text and attribute values alike).
enum HTML {
    /// `&`, `<`, `>`, `"` and `'` as character references.
    static func escape(_ text: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Parses an `application/x-www-form-urlencoded` body (`+` is a space). Later fields win.
    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// A UTC timestamp as `2026-11-27 08:03:45 UTC`.
    static func time(_ unix: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: Date(timeIntervalSince1970: unix))
    }

    /// An ISO 8601 timestamp (`2026-11-27T08:03:45.123Z`) in the same form as ``time(_:)``.
    static func time(iso: String) -> String {
        var text = iso.replacingOccurrences(of: "T", with: " ")
        if let dot = text.firstIndex(of: ".") { text = String(text[..<dot]) }
        return text.replacingOccurrences(of: "Z", with: "") + " UTC"
    }
}
