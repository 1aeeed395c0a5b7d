/// Recognises `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] [schema.]name ON …` and returns
/// the index name, so a retry can drop the INVALID index a failed attempt left behind.
public enum ConcurrentIndex {
    /// The index's schema (nil = search path) and name, unquoted; nil for any other statement.
    public static func name(in sql: String) -> (schema: String?, relation: String)? {
        let words = tokens(sql)
        var i = 0
        func take(_ word: String) -> Bool {
            if i < words.count, words[i].uppercased() == word { i += 1; return true }
            return false
        }
        guard take("CREATE") else { return nil }
        _ = take("UNIQUE")
        guard take("INDEX"), take("CONCURRENTLY") else { return nil }
        if take("IF") { guard take("NOT"), take("EXISTS") else { return nil } }
        guard i < words.count, words[i].uppercased() != "ON" else { return nil }  // unnamed index: nothing to look up
        let qualified = words[i]
        let parts = splitQualified(qualified)
        return parts.count == 2 ? (parts[0], parts[1]) : (nil, parts[0])
    }

    /// Words of the statement with comments dropped; a quoted identifier stays one word (quotes kept).
    public static func tokens(_ sql: String) -> [String] {
        var out: [String] = []
        var current = ""
        var chars = Array(sql)[...]
        func flush() { if !current.isEmpty { out.append(current); current = "" } }
        while let c = chars.first {
            if c == "-", chars.dropFirst().first == "-" {
                flush()
                while let d = chars.first, d != "\n" { chars = chars.dropFirst() }
            } else if c == "\"" {
                current.append(c)
                chars = chars.dropFirst()
                while let d = chars.first {
                    current.append(d)
                    chars = chars.dropFirst()
                    if d == "\"" { break }
                }
            } else if c.isWhitespace || c == "(" {
                flush()
                if c == "(" { out.append("(") }
                chars = chars.dropFirst()
            } else {
                current.append(c)
                chars = chars.dropFirst()
            }
        }
        flush()
        return out
    }

    static func splitQualified(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        for c in text {
            if c == "\"" { quoted.toggle(); continue }
            if c == ".", !quoted { parts.append(current); current = ""; continue }
            current.append(quoted ? c : Character(c.lowercased()))
        }
        parts.append(current)
        return parts
    }
}
