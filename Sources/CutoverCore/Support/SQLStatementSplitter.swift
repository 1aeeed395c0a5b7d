/// Splits a SQL script into single statements.
///
/// PostgresNIO speaks the extended query protocol only, which accepts one statement per query, so
/// scripts (migrations, the seed) are split here. The splitter understands single-quoted strings
/// (with `''` and `E'\''` escapes), quoted identifiers, dollar quotes (`$$`, `$tag$`), line
/// comments and nested block comments. Comments and blank text between statements are dropped;
/// comments inside a statement are kept.
public struct SQLStatementSplitter: Sendable {
    /// One statement with the 1-based line it starts on in the script.
    public struct Statement: Sendable, Equatable {
        /// The statement text without the terminating semicolon, trimmed.
        public var sql: String
        /// The line in the script where the statement's first token stands.
        public var line: Int
    }

    public init() {}

    /// Splits `script`; throws ``CoreError/Code/unterminatedSQL`` for an unclosed string, identifier,
    /// dollar quote or block comment, naming the line where it opened.
    public func split(_ script: String) throws(CoreError) -> [Statement] {
        let chars = Array(script.unicodeScalars)
        var statements: [Statement] = []
        var current = String.UnicodeScalarView()
        var hasToken = false
        var startLine = 1
        var line = 1
        var i = 0

        func flush() {
            if hasToken {
                let text = String(current).trimmingWhitespace()
                if !text.isEmpty { statements.append(Statement(sql: text, line: startLine)) }
            }
            current = String.UnicodeScalarView()
            hasToken = false
        }
        func markToken() {
            if !hasToken { hasToken = true; startLine = line }
        }

        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "-" where next == "-":
                // Line comment: keep inside a statement, drop between statements.
                var j = i
                while j < chars.count, chars[j] != "\n" { j += 1 }
                if hasToken { current.append(contentsOf: chars[i..<j]) }
                i = j
            case "/" where next == "*":
                let open = line
                var depth = 0
                var j = i
                repeat {
                    if j + 1 < chars.count, chars[j] == "/", chars[j + 1] == "*" { depth += 1; j += 2; continue }
                    if j + 1 < chars.count, chars[j] == "*", chars[j + 1] == "/" { depth -= 1; j += 2; continue }
                    if chars[j] == "\n" { line += 1 }
                    j += 1
                } while depth > 0 && j < chars.count
                if depth > 0 { throw unterminated("block comment", open) }
                if hasToken { current.append(contentsOf: chars[i..<j]) }
                i = j
            case "'":
                markToken()
                let open = line
                let escapes = i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                    && (i < 2 || !isIdentifierScalar(chars[i - 2]))
                var j = i + 1
                var closed = false
                while j < chars.count {
                    let d = chars[j]
                    if d == "\n" { line += 1 }
                    if escapes && d == "\\" { j += 2; continue }
                    if d == "'" {
                        if j + 1 < chars.count && chars[j + 1] == "'" { j += 2; continue }
                        closed = true; j += 1; break
                    }
                    j += 1
                }
                if !closed { throw unterminated("string literal", open) }
                current.append(contentsOf: chars[i..<min(j, chars.count)])
                i = j
            case "\"":
                markToken()
                let open = line
                var j = i + 1
                var closed = false
                while j < chars.count {
                    if chars[j] == "\n" { line += 1 }
                    if chars[j] == "\"" {
                        if j + 1 < chars.count && chars[j + 1] == "\"" { j += 2; continue }
                        closed = true; j += 1; break
                    }
                    j += 1
                }
                if !closed { throw unterminated("quoted identifier", open) }
                current.append(contentsOf: chars[i..<j])
                i = j
            case "$" where dollarTag(chars, at: i) != nil && !(i > 0 && isIdentifierScalar(chars[i - 1])):
                markToken()
                let tag = dollarTag(chars, at: i)!
                let open = line
                var j = i + tag.count
                var closed = false
                while j < chars.count {
                    if chars[j] == "\n" { line += 1 }
                    if chars[j] == "$", matches(chars, at: j, tag) { j += tag.count; closed = true; break }
                    j += 1
                }
                if !closed { throw unterminated("dollar-quoted string \(String(String.UnicodeScalarView(tag)))", open) }
                current.append(contentsOf: chars[i..<j])
                i = j
            case ";":
                flush()
                i += 1
            default:
                if c == "\n" { line += 1 }
                if !c.properties.isWhitespace { markToken() }
                if hasToken { current.append(c) }
                i += 1
            }
        }
        flush()
        return statements
    }

    private func unterminated(_ what: String, _ line: Int) -> CoreError {
        CoreError(.unterminatedSQL, "unterminated \(what) starting on line \(line)", context: ["line": "\(line)"])
    }

    /// Returns the dollar-quote tag (`$$` or `$name$`) starting at `i`, if any.
    private func dollarTag(_ chars: [Unicode.Scalar], at i: Int) -> [Unicode.Scalar]? {
        guard chars[i] == "$" else { return nil }
        var j = i + 1
        while j < chars.count {
            let c = chars[j]
            if c == "$" { return Array(chars[i...j]) }
            let ok = c == "_" || c.properties.isAlphabetic || (j > i + 1 && ("0"..."9").contains(c))
            if !ok { return nil }
            j += 1
        }
        return nil
    }

    private func matches(_ chars: [Unicode.Scalar], at i: Int, _ tag: [Unicode.Scalar]) -> Bool {
        guard i + tag.count <= chars.count else { return false }
        for k in 0..<tag.count where chars[i + k] != tag[k] { return false }
        return true
    }

    private func isIdentifierScalar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c)
    }
}

extension String {
    /// The SQL text without surrounding whitespace and trailing semicolons, for use as a subquery.
    public func trimmingSemicolonAndWhitespace() -> String {
        var s = trimmingWhitespace()
        while s.hasSuffix(";") { s = String(s.dropLast()).trimmingWhitespace() }
        return s
    }

    /// The string without leading and trailing whitespace and newlines.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
