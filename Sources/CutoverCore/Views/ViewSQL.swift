/// SQL of a declaration with its `:name` parameter references found once, when it is loaded (by
/// the SQL lexer, so `::casts`, strings and comments are left alone). Rendering replaces each
/// reference with the request's argument or, for a parameter the request left out, a typed NULL.
public struct ViewSQL: Sendable, Equatable {
    public enum Part: Sendable, Equatable {
        case text(String)
        case parameter(String)
    }

    public var parts: [Part]

    public init(parts: [Part]) {
        self.parts = parts
    }

    /// Finds the `:name` references of `sql` (a `:` directly followed by a name, not part of `::`).
    public init(parsing sql: String) throws(CoreError) {
        let tokens = try SQLLexer().tokenize(sql)
        let scalars = Array(sql.unicodeScalars)
        var parts: [Part] = []
        var copied = 0
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if token.isSymbol(":"), index + 1 < tokens.count, tokens[index + 1].kind == .word,
               tokens[index + 1].offset == token.endOffset {
                if token.offset > copied { parts.append(.text(String(String.UnicodeScalarView(scalars[copied..<token.offset])))) }
                parts.append(.parameter(tokens[index + 1].value))
                copied = tokens[index + 1].endOffset
                index += 2
                continue
            }
            index += 1
        }
        if copied < scalars.count { parts.append(.text(String(String.UnicodeScalarView(scalars[copied...])))) }
        self.parts = parts
    }

    /// The parameters the SQL refers to, in order of first use.
    public var parameterNames: [String] {
        var seen: [String] = []
        for case .parameter(let name) in parts where !seen.contains(name) { seen.append(name) }
        return seen
    }

    /// The SQL with every reference replaced by `replacement(name)`.
    public func render(_ replacement: (String) -> String) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .parameter(let name): out += replacement(name)
            }
        }
        return out
    }
}
