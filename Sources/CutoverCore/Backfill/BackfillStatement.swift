/// The one data-moving statement of a backfill, with its named placeholders translated to
/// positional parameters.
///
/// The statement moves the rows of one batch: the source rows whose key is in
/// `(:from_key, :to_key]` (and, for a partitioned backfill, whose partition is `:partition`).
/// It must be an `INSERT`, `UPDATE` or `DELETE` (optionally led by `WITH`) without `RETURNING`:
/// the runner wraps it as `WITH batch AS (… RETURNING 1) SELECT count(*) FROM batch` to count
/// the rows it changed. Placeholders inside strings, quoted identifiers, dollar quotes and
/// comments are text, and `::type` casts are not placeholders.
public struct BackfillStatement: Sendable, Equatable {
    /// The placeholders a statement may use, with the SQL type each is bound as.
    public enum Placeholder: String, Sendable, CaseIterable {
        case fromKey = "from_key"
        case toKey = "to_key"
        case partition

        /// The SQL type the parameter is cast to.
        public var sqlType: String { self == .partition ? "text" : "bigint" }
    }

    /// The statement as written.
    public var sql: String
    /// The placeholders in the order of their first use: `$1` is the first of them, and so on.
    public var parameters: [Placeholder]
    /// The statement with every placeholder replaced by `$n::type`.
    public var translated: String

    /// Parses and translates `sql`; `filename` is used in error messages.
    public init(parsing sql: String, filename: String) throws(CoreError) {
        self.sql = sql
        let chars = Array(sql.unicodeScalars)
        var out = String.UnicodeScalarView()
        var parameters: [Placeholder] = []
        var words: [String] = []
        var word = ""
        var i = 0
        func endWord() {
            if !word.isEmpty { words.append(word.lowercased()); word = "" }
        }
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if let skip = Self.skippedRegion(chars, at: i) {
                endWord()
                out.append(contentsOf: chars[i..<skip])
                i = skip
                continue
            }
            if c == ":", next == ":" {
                endWord()
                out.append(contentsOf: "::".unicodeScalars)
                i += 2
                // The type name after a cast is not a placeholder.
                while i < chars.count, Self.isIdentifier(chars[i]) { out.append(chars[i]); i += 1 }
                continue
            }
            if c == ":", let n = next, Self.isIdentifierStart(n) {
                endWord()
                var j = i + 1
                while j < chars.count, Self.isIdentifier(chars[j]) { j += 1 }
                let name = String(String.UnicodeScalarView(chars[(i + 1)..<j]))
                guard let placeholder = Placeholder(rawValue: name.lowercased()) else {
                    throw CoreError(.backfillPlaceholder,
                                    "\(filename): unknown placeholder :\(name); the statement may use :from_key, :to_key and :partition",
                                    context: ["file": filename, "placeholder": name])
                }
                if !parameters.contains(placeholder) { parameters.append(placeholder) }
                let index = parameters.firstIndex(of: placeholder)! + 1
                out.append(contentsOf: "$\(index)::\(placeholder.sqlType)".unicodeScalars)
                i = j
                continue
            }
            if Self.isIdentifier(c) { word.unicodeScalars.append(c) } else { endWord() }
            out.append(c)
            i += 1
        }
        endWord()
        let verbs: Set<String> = ["insert", "update", "delete", "with"]
        guard let first = words.first, verbs.contains(first) else {
            throw CoreError(.invalidBackfillDirective,
                            "\(filename): the statement must be an INSERT, UPDATE or DELETE (optionally led by WITH), not \"\(words.first ?? "")\"",
                            context: ["file": filename])
        }
        if words.contains("returning") {
            throw CoreError(.invalidBackfillDirective,
                            "\(filename): the statement must not have a RETURNING clause; the runner counts the rows it changes",
                            context: ["file": filename])
        }
        self.parameters = parameters
        self.translated = String(out)
    }

    /// The end of a string, quoted identifier, dollar quote or comment starting at `i`, if one does.
    static func skippedRegion(_ chars: [Unicode.Scalar], at i: Int) -> Int? {
        let c = chars[i]
        let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
        switch c {
        case "-" where next == "-":
            var j = i
            while j < chars.count, chars[j] != "\n" { j += 1 }
            return j
        case "/" where next == "*":
            var depth = 0
            var j = i
            repeat {
                if j + 1 < chars.count, chars[j] == "/", chars[j + 1] == "*" { depth += 1; j += 2; continue }
                if j + 1 < chars.count, chars[j] == "*", chars[j + 1] == "/" { depth -= 1; j += 2; continue }
                j += 1
            } while depth > 0 && j < chars.count
            return j
        case "'", "\"":
            let escapes = c == "'" && i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
            var j = i + 1
            while j < chars.count {
                if escapes && chars[j] == "\\" { j += 2; continue }
                if chars[j] == c {
                    if j + 1 < chars.count && chars[j + 1] == c { j += 2; continue }
                    return j + 1
                }
                j += 1
            }
            return chars.count
        case "$" where !(i > 0 && isIdentifier(chars[i - 1])):
            var j = i + 1
            while j < chars.count, chars[j] != "$" {
                guard isIdentifier(chars[j]) else { return nil }
                j += 1
            }
            guard j < chars.count else { return nil }
            let tag = Array(chars[i...j])
            if tag.count > 1, ("0"..."9").contains(tag[1]) { return nil }  // $1 is a parameter, not a tag
            var k = j + 1
            while k < chars.count {
                if chars[k] == "$", k + tag.count <= chars.count, Array(chars[k..<(k + tag.count)]) == tag { return k + tag.count }
                k += 1
            }
            return chars.count
        default:
            return nil
        }
    }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isAlphabetic }
    static func isIdentifier(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || ("0"..."9").contains(c) }
}
