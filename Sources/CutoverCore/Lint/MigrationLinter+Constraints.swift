/// Table constraints: in CREATE TABLE (…) and ALTER TABLE … ADD [CONSTRAINT name] ….
extension MigrationLinter.Pass {
    mutating func checkTableConstraint(_ tokens: ArraySlice<SQLToken>, table: QualifiedName, existing: Bool) {
        var c = TokenCursor(tokens)
        var name: SQLToken?
        if c.accept("constraint") {
            name = c.next()
            if let name { checkIdentifier(name, "constraint name") }
        }
        guard let kind = c.current, kind.kind == .word else { return }
        let notValid = tokens.containsTopLevel("not", "valid")
        switch kind.value {
        case "foreign":
            var refs = c
            guard refs.seek(word: "references") else { return }
            _ = refs.next()
            let referenced = refs.qualifiedName()
            if let referenced, !isNew(referenced) { noteLock(on: referenced, mode: "SHARE ROW EXCLUSIVE") }
            if notValid, inTransaction, let name { notValidInTransaction[name.value] = .foreignKeyWithoutNotValid }
            if existing && !notValid {
                report(.foreignKeyWithoutNotValid, at: kind,
                       "foreign key on \(table.key) to \(referenced?.key ?? "…") is validated while writes wait")
            }
        case "check":
            _ = c.next()
            recordNotNullCheck(c.rest, name: name, table: table, notValid: notValid)
            if notValid, inTransaction, let name { notValidInTransaction[name.value] = .checkWithoutNotValid }
            if existing && !notValid {
                report(.checkWithoutNotValid, at: kind, "CHECK constraint\(name.map { " \($0.value)" } ?? "") on \(table.key) is validated under ACCESS EXCLUSIVE")
            }
        case "unique", "primary":
            if existing && !tokens.containsTopLevel("using", "index") {
                report(.uniqueWithoutIndex, at: kind,
                       "\(kind.value == "unique" ? "UNIQUE" : "PRIMARY KEY") constraint on \(table.key) builds its index under ACCESS EXCLUSIVE")
            }
        default:
            break
        }
    }

    /// Remembers `CHECK (col IS NOT NULL)` so that a later SET NOT NULL on that column, once the
    /// check is validated, is known to skip the table scan.
    private mutating func recordNotNullCheck(_ expression: ArraySlice<SQLToken>, name: SQLToken?, table: QualifiedName, notValid: Bool) {
        let words = Array(expression)
        guard words.count >= 6, words[0].isSymbol("("), words[1].isIdentifier, words[2].isWord("is"),
              words[3].isWord("not"), words[4].isWord("null"), words[5].isSymbol(")")
        else { return }
        let pair = "\(table.key)|\(words[1].value)"
        if notValid {
            if let name { pendingNotNullChecks[name.value] = pair }
        } else {
            provenNotNull.insert(pair)
        }
    }
}
