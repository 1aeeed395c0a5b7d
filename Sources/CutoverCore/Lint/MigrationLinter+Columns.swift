/// Column definitions (CREATE TABLE, ADD COLUMN) and ALTER COLUMN.
extension MigrationLinter.Pass {
    /// Functions whose result differs per row: as a default of a new column they force a rewrite.
    static let volatileFunctions: Set<String> = [
        "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
        "uuidv4", "uuidv7", "clock_timestamp", "timeofday", "nextval", "setseed", "random_normal",
    ]
    static let serialTypes: Set<String> = ["serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"]

    /// A column definition split into name, type and constraint tokens.
    struct ColumnDefinition {
        static let constraintStarts: Set<String> = ["not", "null", "default", "constraint", "primary", "unique", "check",
                                                    "references", "generated", "collate", "compression", "storage"]
        var name: SQLToken
        var type: ArraySlice<SQLToken>
        var constraints: ArraySlice<SQLToken>

        init?(_ tokens: ArraySlice<SQLToken>) {
            guard let name = tokens.first, name.isIdentifier else { return nil }
            self.name = name
            var depth = 0
            var end = tokens.startIndex + 1
            while end < tokens.endIndex {
                let t = tokens[end]
                if t.isSymbol("(") { depth += 1 }
                if t.isSymbol(")") { depth -= 1 }
                if depth == 0, t.kind == .word, Self.constraintStarts.contains(t.value) { break }
                end += 1
            }
            self.type = tokens[(tokens.startIndex + 1)..<end]
            self.constraints = tokens[end...]
        }

        /// The first top-level constraint token with this keyword.
        func constraint(_ word: String) -> SQLToken? {
            var c = TokenCursor(constraints)
            return c.seek(word: word) ? c.current : nil
        }

        /// The tokens of the DEFAULT expression, if any.
        var defaultExpression: ArraySlice<SQLToken> {
            var c = TokenCursor(constraints)
            guard c.seek(word: "default") else { return [] }
            _ = c.next()
            let start = c.position
            while let t = c.current, !(t.kind == .word && Self.constraintStarts.contains(t.value) && t.value != "null") {
                if t.isSymbol("(") { c.skipGroup() } else { _ = c.next() }
            }
            return constraints[start..<c.position]
        }
    }

    mutating func checkColumnDefinition(_ tokens: ArraySlice<SQLToken>, table: QualifiedName, existing: Bool) {
        guard let column = ColumnDefinition(tokens) else { return }
        let name = column.name.value
        checkIdentifier(column.name, "column name")
        checkType(column.type, column: name)
        var c = TokenCursor(column.constraints)
        while c.seek(word: "constraint") {
            _ = c.next()
            if let constraintName = c.current { checkIdentifier(constraintName, "constraint name") }
        }
        var refs = TokenCursor(column.constraints)
        var referenced: QualifiedName?
        if refs.seek(word: "references") {
            _ = refs.next()
            referenced = refs.qualifiedName()
            if let referenced, !isNew(referenced) { noteLock(on: referenced, mode: "SHARE ROW EXCLUSIVE") }
        }
        guard existing else { return }
        let constraints = column.constraints
        let identity = column.constraint("generated") != nil && constraints.contains { $0.isWord("identity") }
        let stored = column.constraint("generated") != nil && constraints.contains { $0.isWord("stored") }
        let hasDefault = column.constraint("default") != nil
        if constraints.containsTopLevel("not", "null"), !hasDefault, !identity, !stored {
            report(.notNullWithoutDefault, at: column.name,
                   "adds NOT NULL column \(name) to \(table.key) without a default: fails if the table has rows")
        }
        let expression = column.defaultExpression
        if let call = expression.indices.first(where: { k in
            expression[k].kind == .word && Self.volatileFunctions.contains(expression[k].value)
                && k + 1 < expression.endIndex && expression[k + 1].isSymbol("(")
        }) {
            report(.volatileDefault, at: expression[call],
                   "new column \(name) of \(table.key) defaults to volatile \(expression[call].value)(): every row is rewritten")
        } else if let type = column.type.first, type.kind == .word, Self.serialTypes.contains(type.value) {
            report(.volatileDefault, at: type,
                   "new \(type.value) column \(name) of \(table.key) takes nextval() per row: every row is rewritten")
        } else if identity || stored {
            report(.volatileDefault, at: column.constraint("generated")!,
                   "new \(identity ? "identity" : "generated stored") column \(name) of \(table.key) is computed for every row: the table is rewritten")
        }
        if let references = column.constraint("references") {
            report(.foreignKeyWithoutNotValid, at: references,
                   "inline REFERENCES \(referenced?.key ?? "…") on new column \(name) of \(table.key) is validated at once")
        }
        if let check = column.constraint("check") {
            report(.checkWithoutNotValid, at: check, "inline CHECK on new column \(name) of \(table.key) scans the table")
        }
        if let unique = column.constraint("unique") ?? column.constraint("primary") {
            report(.uniqueWithoutIndex, at: unique,
                   "inline \(unique.value.uppercased()) on new column \(name) of \(table.key) builds its index under ACCESS EXCLUSIVE")
        }
    }

    mutating func checkAlterColumn(_ c: inout TokenCursor, table: QualifiedName, existing: Bool) {
        c.accept("column")
        guard let column = c.next(), column.isIdentifier else { return }
        let pair = "\(table.key)|\(column.value)"
        if c.accept("type") || c.accept("set", "data", "type") {
            let type = c.rest.prefix { !$0.isWord("using") && !$0.isWord("collate") }
            checkType(type, column: column.value)
            if existing {
                report(.columnTypeChange, at: column, "changes the type of \(table.key).\(column.value)")
            }
        } else if c.accept("set", "not", "null") {
            if existing && !provenNotNull.contains(pair) {
                report(.setNotNull, at: column, "SET NOT NULL on \(table.key).\(column.value) scans the table under ACCESS EXCLUSIVE")
            }
        } else if c.accept("drop", "not", "null") {
            if existing { report(.dropNotNull, at: column, "drops NOT NULL from \(table.key).\(column.value)") }
        }
    }
}
