/// Levenshtein distance between short identifiers, for "did you mean" hints on configuration
/// keys and migration header directives.
public enum EditDistance {
    /// The insertions, deletions and substitutions that turn `a` into `b`.
    public static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// The candidate closest to `word` (case-insensitive) when it is at most `limit` edits away
    /// (default: 2, or a third of the word's length for long words); nil otherwise.
    public static func closest(to word: String, among candidates: [String], limit: Int? = nil) -> String? {
        let best = candidates.map { ($0, between($0.lowercased(), word.lowercased())) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= (limit ?? max(2, word.count / 3)) else { return nil }
        return best.0
    }
}
