/// Table-level statements: CREATE TABLE, ALTER TABLE (dispatch and renames), DROP TABLE, TRUNCATE.
extension MigrationLinter.Pass {
    /// Words that start a table constraint inside CREATE TABLE (…) or after ALTER TABLE … ADD.
    static let tableConstraintStarts: Set<String> = ["constraint", "primary", "unique", "check", "foreign", "exclude"]

    mutating func checkCreateTable(_ cursor: inout TokenCursor) {
        cursor.accept("if", "not", "exists")
        guard let table = cursor.qualifiedName() else { return }
        checkIdentifier(table.lastToken, "table name")
        newTables.insert(table.key)
        guard cursor.current?.isSymbol("(") == true else { return }  // AS SELECT, PARTITION OF …
        let open = cursor.position
        cursor.skipGroup()
        let body = cursor.tokens[(open + 1)..<max(open + 1, cursor.position - 1)]
        for element in body.splitTopLevel() {
            guard let head = element.first else { continue }
            if head.kind == .word && (Self.tableConstraintStarts.contains(head.value) || head.value == "like") {
                checkTableConstraint(element, table: table, existing: false)
            } else {
                checkColumnDefinition(element, table: table, existing: false)
            }
        }
    }

    mutating func checkAlterTable(_ cursor: inout TokenCursor) {
        cursor.accept("if", "exists")
        cursor.accept("only")
        guard let table = cursor.qualifiedName() else { return }
        cursor.acceptSymbol("*")
        let existing = !isNew(table)
        if cursor.at("rename") {
            checkRename(&cursor, table: table, existing: existing)
            return
        }
        var locks = false
        for action in cursor.rest.splitTopLevel() {
            var c = TokenCursor(action)
            if c.accept("validate", "constraint") {
                guard let name = c.current else { continue }
                if let pair = pendingNotNullChecks[name.value] { provenNotNull.insert(pair) }
                if let rule = notValidInTransaction[name.value], existing {
                    report(rule, at: name, "constraint \(name.value) is validated in the transaction that added it NOT VALID: "
                           + "the ADD's lock is still held during the scan; validate in a later file or a `transaction: none` file")
                }
                continue  // SHARE UPDATE EXCLUSIVE: writes go on
            }
            locks = true
            if c.accept("add") { checkAddAction(&c, table: table, existing: existing) }
            else if c.accept("drop") { checkDropAction(&c, table: table, existing: existing) }
            else if c.accept("alter") { checkAlterColumn(&c, table: table, existing: existing) }
        }
        if locks && existing { noteLock(on: table, mode: "ACCESS EXCLUSIVE") }
    }

    private mutating func checkAddAction(_ c: inout TokenCursor, table: QualifiedName, existing: Bool) {
        if c.accept("column") {
            c.accept("if", "not", "exists")
            checkColumnDefinition(c.rest, table: table, existing: existing)
        } else if let head = c.current, head.kind == .word, Self.tableConstraintStarts.contains(head.value) {
            checkTableConstraint(c.rest, table: table, existing: existing)
        } else {
            c.accept("if", "not", "exists")
            checkColumnDefinition(c.rest, table: table, existing: existing)
        }
    }

    private mutating func checkDropAction(_ c: inout TokenCursor, table: QualifiedName, existing: Bool) {
        if c.at("constraint") { return }
        c.accept("column")
        c.accept("if", "exists")
        guard let column = c.current, column.isIdentifier, existing else { return }
        report(.dropColumn, at: column, "drops column \(column.value) of \(table.key)")
    }

    private mutating func checkRename(_ cursor: inout TokenCursor, table: QualifiedName, existing: Bool) {
        let rename = cursor.next()!
        if cursor.accept("to") {
            guard let newName = cursor.current, newName.isIdentifier else { return }
            checkIdentifier(newName, "table name")
            if existing {
                report(.renameTable, at: rename, "renames table \(table.key) to \(newName.value)")
                noteLock(on: table, mode: "ACCESS EXCLUSIVE")
            } else {
                newTables.insert(newName.value)
            }
            return
        }
        let isConstraint = cursor.accept("constraint")
        if !isConstraint { cursor.accept("column") }
        guard let old = cursor.next(), old.isIdentifier, cursor.accept("to"), let newName = cursor.current else { return }
        checkIdentifier(newName, isConstraint ? "constraint name" : "column name")
        guard existing else { return }
        noteLock(on: table, mode: "ACCESS EXCLUSIVE")
        if !isConstraint {
            report(.renameColumn, at: rename, "renames column \(old.value) of \(table.key) to \(newName.value)")
        }
    }

    mutating func checkDropTable(_ cursor: inout TokenCursor) {
        cursor.accept("if", "exists")
        for item in cursor.rest.splitTopLevel() {
            var c = TokenCursor(item)
            guard let table = c.qualifiedName(), !isNew(table) else { continue }
            report(.dropTable, at: table.lastToken, "drops table \(table.key)")
            noteLock(on: table, mode: "ACCESS EXCLUSIVE")
        }
    }

    mutating func checkTruncate(_ cursor: inout TokenCursor) {
        cursor.accept("table")
        let items = cursor.rest.splitTopLevel()
        for item in items {
            var c = TokenCursor(item)
            c.accept("only")
            if let table = c.qualifiedName(), !isNew(table) { noteLock(on: table, mode: "ACCESS EXCLUSIVE") }
        }
        if let cascade = items.last?.first(where: { $0.isWord("cascade") }) {
            report(.truncateCascade, at: cascade, "TRUNCATE … CASCADE also empties every table with a foreign key to these tables")
        }
    }

    mutating func checkLockTable(_ cursor: inout TokenCursor) {
        cursor.accept("table")
        cursor.accept("only")
        guard let table = cursor.qualifiedName(), !isNew(table) else { return }
        var mode = "ACCESS EXCLUSIVE"
        if cursor.seek(word: "in") {
            mode = cursor.rest.dropFirst().prefix { !$0.isWord("mode") }.map { $0.value.uppercased() }.joined(separator: " ")
        }
        // Modes that do not conflict with ordinary writes need no timeout.
        guard !["ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE"].contains(mode) else { return }
        noteLock(on: table, mode: mode)
    }
}
