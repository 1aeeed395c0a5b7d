/// One lexical token of a PostgreSQL script, with its position.
public struct SQLToken: Sendable, Equatable {
    /// What a token is.
    public enum Kind: Sendable, Equatable {
        /// A keyword or unquoted identifier; ``SQLToken/value`` has ASCII letters lower-cased, as PostgreSQL folds them.
        case word
        /// A `"quoted identifier"`; ``SQLToken/value`` is unescaped with its case kept.
        case quotedIdentifier
        /// A `'string'`, `E'string'`, `B'…'`/`X'…'`/`N'…'`; ``SQLToken/value`` is the unescaped content.
        case string
        /// A dollar-quoted string (`$$ … $$`, `$tag$ … $tag$`); ``SQLToken/value`` is the body.
        case dollarString
        /// A numeric literal.
        case number
        /// A positional parameter such as `$1`.
        case parameter
        /// Punctuation or an operator: `(`, `)`, `,`, `;`, `.`, `::`, `=`, `<>` …
        case symbol
        /// A `-- …` comment; ``SQLToken/value`` is the text after `--`.
        case lineComment
        /// A `/* … */` comment (nesting allowed); ``SQLToken/value`` is the text between the markers.
        case blockComment
    }

    /// The token's kind.
    public var kind: Kind
    /// The token exactly as written in the script.
    public var text: String
    /// The normalised value (see ``Kind``).
    public var value: String
    /// 1-based line of the first character.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the first character.
    public var column: Int
    /// Offset of the first character, in Unicode scalars from the start of the script.
    public var offset: Int
    /// Offset just past the last character.
    public var endOffset: Int

    /// Whether this is a comment token.
    public var isComment: Bool { kind == .lineComment || kind == .blockComment }

    /// Whether this is the (unquoted) keyword or identifier `word` (compare in lower case).
    public func isWord(_ word: String) -> Bool { kind == .word && value == word }

    /// Whether this is the symbol `symbol`.
    public func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }

    /// Whether this token names something: an unquoted word or a quoted identifier.
    public var isIdentifier: Bool { kind == .word || kind == .quotedIdentifier }
}

/// Splits PostgreSQL text into ``SQLToken``s, comments included.
///
/// It follows the same quoting rules as ``SQLStatementSplitter``: single-quoted strings with `''`
/// (and backslash escapes in `E'…'`), quoted identifiers with `""`, dollar quotes with optional
/// tags, line comments and nested block comments. Text inside strings, comments and dollar bodies
/// is never split into further tokens, so rules that look at tokens cannot be fooled by it.
public struct SQLLexer: Sendable {
    public init() {}

    /// Tokenises `script`; throws ``CoreError/Code/unterminatedSQL`` naming the line where an
    /// unclosed string, identifier, dollar quote or block comment opened.
    public func tokenize(_ script: String) throws(CoreError) -> [SQLToken] {
        var scanner = Scanner(Array(script.unicodeScalars))
        var tokens: [SQLToken] = []
        while let token = try scanner.next() { tokens.append(token) }
        return tokens
    }

    private struct Scanner {
        let chars: [Unicode.Scalar]
        var i = 0
        var line = 1
        var lineStart = 0

        init(_ chars: [Unicode.Scalar]) { self.chars = chars }

        func at(_ k: Int) -> Unicode.Scalar? { k < chars.count ? chars[k] : nil }

        mutating func advance() {
            if chars[i] == "\n" { line += 1; lineStart = i + 1 }
            i += 1
        }

        mutating func next() throws(CoreError) -> SQLToken? {
            while i < chars.count, chars[i].properties.isWhitespace { advance() }
            guard i < chars.count else { return nil }
            let start = i, startLine = line, column = i - lineStart + 1
            func make(_ kind: SQLToken.Kind, _ value: String) -> SQLToken {
                SQLToken(kind: kind, text: String(String.UnicodeScalarView(chars[start..<i])), value: value,
                         line: startLine, column: column, offset: start, endOffset: i)
            }
            let c = chars[i]
            let n = at(i + 1)
            if c == "-" && n == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                return make(.lineComment, String(String.UnicodeScalarView(chars[(start + 2)..<i])))
            }
            if c == "/" && n == "*" {
                var depth = 0
                repeat {
                    if at(i) == "/" && at(i + 1) == "*" { depth += 1; i += 2; continue }
                    if at(i) == "*" && at(i + 1) == "/" { depth -= 1; i += 2; continue }
                    advance()
                } while depth > 0 && i < chars.count
                if depth > 0 { throw Self.unterminated("block comment", startLine) }
                return make(.blockComment, String(String.UnicodeScalarView(chars[(start + 2)..<(i - 2)])))
            }
            if c == "'" { return make(.string, try quoted(escapes: false, open: startLine)) }
            if c == "\"" {
                advance()
                var value = String.UnicodeScalarView()
                while true {
                    guard let d = at(i) else { throw Self.unterminated("quoted identifier", startLine) }
                    advance()
                    if d == "\"" {
                        if at(i) == "\"" { value.append("\""); advance(); continue }
                        break
                    }
                    value.append(d)
                }
                return make(.quotedIdentifier, String(value))
            }
            if c == "$", let tag = dollarTag(at: i), !(start > 0 && Self.isIdentifierScalar(chars[start - 1])) {
                i += tag.count
                let bodyStart = i
                while true {
                    guard i < chars.count else {
                        throw Self.unterminated("dollar-quoted string \(String(String.UnicodeScalarView(tag)))", startLine)
                    }
                    if chars[i] == "$", matches(tag, at: i) { break }
                    advance()
                }
                let body = String(String.UnicodeScalarView(chars[bodyStart..<i]))
                i += tag.count
                return make(.dollarString, body)
            }
            if c == "$", let d = n, ("0"..."9").contains(d) {
                i += 1
                while let d = at(i), ("0"..."9").contains(d) { i += 1 }
                return make(.parameter, String(String.UnicodeScalarView(chars[start..<i])))
            }
            if ("0"..."9").contains(c) || (c == "." && n.map { ("0"..."9").contains($0) } == true) {
                while let d = at(i), ("0"..."9").contains(d) || d == "." || d == "_" { i += 1 }
                if let e = at(i), e == "e" || e == "E" {
                    let sign = at(i + 1) == "+" || at(i + 1) == "-" ? 1 : 0
                    if let d = at(i + 1 + sign), ("0"..."9").contains(d) {
                        i += 1 + sign
                        while let d = at(i), ("0"..."9").contains(d) { i += 1 }
                    }
                }
                return make(.number, String(String.UnicodeScalarView(chars[start..<i])))
            }
            if Self.isIdentifierStart(c) {
                while let d = at(i), Self.isIdentifierScalar(d) || d == "$" { i += 1 }
                let word = String(String.UnicodeScalarView(chars[start..<i]))
                // PostgreSQL folds unquoted identifiers to lower case in ASCII only.
                let lower = String(String.UnicodeScalarView(word.unicodeScalars.map {
                    ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0
                }))
                if at(i) == "'", ["e", "b", "x", "n"].contains(lower) {
                    return make(.string, try quoted(escapes: lower == "e", open: startLine))
                }
                return make(.word, lower)
            }
            if c == ":" && n == ":" { i += 2; return make(.symbol, "::") }
            if "(),;[].:".unicodeScalars.contains(c) { i += 1; return make(.symbol, String(c)) }
            // Operators: a run of operator characters, stopping before a comment start.
            let operatorChars = "+-*/<>=~!@#%^&|`?".unicodeScalars
            while let d = at(i), operatorChars.contains(d) {
                if i > start, (d == "-" && at(i + 1) == "-") || (d == "/" && at(i + 1) == "*") { break }
                i += 1
            }
            if i == start { i += 1 }  // any other character stands alone
            return make(.symbol, String(String.UnicodeScalarView(chars[start..<i])))
        }

        /// Reads a single-quoted string starting at `i` (the opening quote) and returns its content.
        mutating func quoted(escapes: Bool, open: Int) throws(CoreError) -> String {
            advance()
            var value = String.UnicodeScalarView()
            while true {
                guard let d = at(i) else { throw Self.unterminated("string literal", open) }
                if escapes && d == "\\" {
                    guard let e = at(i + 1) else { throw Self.unterminated("string literal", open) }
                    switch e {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "r": value.append("\r")
                    default: value.append(e)
                    }
                    advance(); advance()
                    continue
                }
                advance()
                if d == "'" {
                    if at(i) == "'" { value.append("'"); advance(); continue }
                    return String(value)
                }
                value.append(d)
            }
        }

        func dollarTag(at start: Int) -> [Unicode.Scalar]? {
            var j = start + 1
            while j < chars.count {
                let c = chars[j]
                if c == "$" { return Array(chars[start...j]) }
                let ok = c == "_" || c.properties.isAlphabetic || (j > start + 1 && ("0"..."9").contains(c))
                if !ok { return nil }
                j += 1
            }
            return nil
        }

        func matches(_ tag: [Unicode.Scalar], at k: Int) -> Bool {
            guard k + tag.count <= chars.count else { return false }
            for m in 0..<tag.count where chars[k + m] != tag[m] { return false }
            return true
        }

        static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c.properties.isAlphabetic || c.value >= 0x80
        }

        static func isIdentifierScalar(_ c: Unicode.Scalar) -> Bool {
            c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c) || c.value >= 0x80
        }

        static func unterminated(_ what: String, _ line: Int) -> CoreError {
            CoreError(.unterminatedSQL, "unterminated \(what) starting on line \(line)", context: ["line": "\(line)"])
        }
    }
}
