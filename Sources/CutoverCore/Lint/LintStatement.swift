/// One statement as the lint rules see it: its significant tokens (no comments, no `;`).
struct LintStatement {
    /// Position of the statement in the file (0-based).
    var index: Int
    /// The tokens, comments removed.
    var tokens: [SQLToken]
    /// The start of the statement text, whitespace collapsed, at most 80 characters.
    var excerpt: String

    var first: SQLToken { tokens[0] }

    /// Splits a token stream into statements at top-level `;` and collects the comments.
    static func split(_ tokens: [SQLToken], source: String) -> (statements: [LintStatement], comments: [SQLToken]) {
        let scalars = Array(source.unicodeScalars)
        var statements: [LintStatement] = []
        var comments: [SQLToken] = []
        var current: [SQLToken] = []
        func flush() {
            guard let first = current.first, let last = current.last else { return }
            statements.append(LintStatement(index: statements.count, tokens: current,
                                            excerpt: excerpt(scalars[first.offset..<last.endOffset])))
            current = []
        }
        for token in tokens {
            if token.isComment { comments.append(token); continue }
            if token.isSymbol(";") { flush(); continue }
            current.append(token)
        }
        flush()
        return (statements, comments)
    }

    private static func excerpt(_ text: ArraySlice<Unicode.Scalar>) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for c in text {
            if c.properties.isWhitespace { space = true; continue }
            if space && !out.isEmpty { out.append(" ") }
            space = false
            out.append(c)
            if out.count > 80 { break }
        }
        guard out.count > 80 else { return String(out) }
        return String(String.UnicodeScalarView(out.prefix(79))) + "…"
    }
}

/// A possibly schema-qualified name such as `crm.customers` or `"Odd Name"`.
struct QualifiedName {
    /// The parts as PostgreSQL sees them (unquoted folded to lower case, quoted kept).
    var parts: [String]
    /// The token of the last part (for positions and length checks).
    var lastToken: SQLToken

    var last: String { parts[parts.count - 1] }
    var key: String { parts.joined(separator: ".") }
}

/// A forward-only reader over a statement's tokens for the rules' small parsers.
struct TokenCursor {
    let tokens: ArraySlice<SQLToken>
    var position: Int

    init(_ tokens: ArraySlice<SQLToken>) {
        self.tokens = tokens
        self.position = tokens.startIndex
    }

    init(_ tokens: [SQLToken]) { self.init(tokens[...]) }

    var isAtEnd: Bool { position >= tokens.endIndex }
    var current: SQLToken? { peek(0) }
    /// The tokens from the current position to the end.
    var rest: ArraySlice<SQLToken> { tokens[min(position, tokens.endIndex)...] }

    func peek(_ offset: Int) -> SQLToken? {
        let k = position + offset
        return k >= tokens.startIndex && k < tokens.endIndex ? tokens[k] : nil
    }

    /// Whether the next tokens are exactly these words (without consuming them).
    func at(_ words: String...) -> Bool { at(words) }

    func at(_ words: [String]) -> Bool {
        for (k, word) in words.enumerated() where peek(k)?.isWord(word) != true { return false }
        return true
    }

    /// Consumes the given words if they come next, all of them, and says whether it did.
    @discardableResult
    mutating func accept(_ words: String...) -> Bool {
        guard at(words) else { return false }
        position += words.count
        return true
    }

    /// Consumes any of the given single words and returns the one found.
    mutating func acceptAny(_ words: Set<String>) -> String? {
        guard let t = current, t.kind == .word, words.contains(t.value) else { return nil }
        position += 1
        return t.value
    }

    @discardableResult
    mutating func acceptSymbol(_ symbol: String) -> Bool {
        guard current?.isSymbol(symbol) == true else { return false }
        position += 1
        return true
    }

    mutating func next() -> SQLToken? {
        defer { position += 1 }
        return current
    }

    /// Reads `a`, `a.b` or `a.b.c` made of words or quoted identifiers.
    mutating func qualifiedName() -> QualifiedName? {
        guard let first = current, first.isIdentifier else { return nil }
        position += 1
        var parts = [first.value]
        var last = first
        while current?.isSymbol(".") == true, let part = peek(1), part.isIdentifier {
            position += 2
            parts.append(part.value)
            last = part
        }
        return QualifiedName(parts: parts, lastToken: last)
    }

    /// Skips a parenthesised group when the cursor stands on `(`.
    mutating func skipGroup() {
        guard current?.isSymbol("(") == true else { return }
        var depth = 0
        while let t = current {
            position += 1
            if t.isSymbol("(") || t.isSymbol("[") { depth += 1 }
            if t.isSymbol(")") || t.isSymbol("]") { depth -= 1; if depth == 0 { return } }
        }
    }

    /// Moves to the next top-level (not parenthesised) occurrence of `word`; returns whether found.
    mutating func seek(word: String) -> Bool {
        while let t = current {
            if t.isSymbol("(") { skipGroup(); continue }
            if t.isWord(word) { return true }
            position += 1
        }
        return false
    }
}

extension ArraySlice where Element == SQLToken {
    /// Splits at commas that are not inside parentheses or brackets.
    func splitTopLevel() -> [ArraySlice<SQLToken>] {
        var parts: [ArraySlice<SQLToken>] = []
        var depth = 0
        var start = startIndex
        for k in indices {
            let t = self[k]
            if t.isSymbol("(") || t.isSymbol("[") { depth += 1 }
            if t.isSymbol(")") || t.isSymbol("]") { depth -= 1 }
            if depth == 0 && t.isSymbol(",") {
                parts.append(self[start..<k])
                start = k + 1
            }
        }
        if start < endIndex { parts.append(self[start..<endIndex]) }
        return parts.filter { !$0.isEmpty }
    }

    /// Whether the words occur one after another at the top level (outside parentheses).
    func containsTopLevel(_ words: String...) -> Bool {
        let items = Array(self)
        var depth = 0
        for k in items.indices {
            let t = items[k]
            if t.isSymbol("(") { depth += 1 }
            if t.isSymbol(")") { depth -= 1 }
            guard depth == 0, k + words.count <= items.count else { continue }
            if words.indices.allSatisfy({ items[k + $0].isWord(words[$0]) }) { return true }
        }
        return false
    }
}
