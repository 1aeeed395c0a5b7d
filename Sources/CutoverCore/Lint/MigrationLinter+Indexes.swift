/// Index statements: CREATE INDEX, DROP INDEX, REINDEX, and CONCURRENTLY inside a transaction.
extension MigrationLinter.Pass {
    mutating func checkCreateIndex(_ cursor: inout TokenCursor) {
        let concurrently = cursor.current.flatMap { $0.isWord("concurrently") ? $0 : nil }
        if concurrently != nil { _ = cursor.next() }
        cursor.accept("if", "not", "exists")
        if !cursor.at("on"), let name = cursor.qualifiedName() {
            checkIdentifier(name.lastToken, "index name")
            newIndexes.insert(name.last)
        }
        guard cursor.accept("on") else { return }
        cursor.accept("only")
        guard let table = cursor.qualifiedName() else { return }
        if let concurrently {
            checkConcurrently(concurrently, "CREATE INDEX CONCURRENTLY")
        } else if !isNew(table) {
            report(.indexNotConcurrent, at: statement.first, "CREATE INDEX on existing table \(table.key) without CONCURRENTLY")
            noteLock(on: table, mode: "SHARE")
        }
    }

    mutating func checkDropIndex(_ cursor: inout TokenCursor) {
        let concurrently = cursor.current.flatMap { $0.isWord("concurrently") ? $0 : nil }
        if concurrently != nil { _ = cursor.next() }
        cursor.accept("if", "exists")
        var names: [QualifiedName] = []
        for item in cursor.rest.splitTopLevel() {
            var c = TokenCursor(item)
            if let name = c.qualifiedName() { names.append(name) }
        }
        if let concurrently {
            checkConcurrently(concurrently, "DROP INDEX CONCURRENTLY")
            return
        }
        for name in names where !newIndexes.contains(name.last) {
            report(.dropIndexNotConcurrent, at: name.lastToken, "DROP INDEX \(name.key) without CONCURRENTLY")
            noteLock(on: name, mode: "ACCESS EXCLUSIVE", what: "the table of index")
        }
    }

    mutating func checkReindex(_ cursor: inout TokenCursor) {
        cursor.skipGroup()  // (VERBOSE, TABLESPACE …)
        guard let kind = cursor.acceptAny(["index", "table", "schema", "database", "system"]) else { return }
        if let concurrently = cursor.current, concurrently.isWord("concurrently") {
            checkConcurrently(concurrently, "REINDEX CONCURRENTLY")
            return
        }
        let name = cursor.qualifiedName()
        if kind == "table", let name, isNew(name) { return }
        if kind == "index", let name, newIndexes.contains(name.last) { return }
        report(.indexNotConcurrent, at: statement.first, "REINDEX \(kind.uppercased())\(name.map { " \($0.key)" } ?? "") without CONCURRENTLY")
        if let name, kind == "table" || kind == "index" {
            noteLock(on: name, mode: kind == "table" ? "SHARE" : "ACCESS EXCLUSIVE", what: kind == "table" ? "table" : "index")
        }
    }

    /// CONCURRENTLY needs autocommit: report it inside the file's transaction or a BEGIN block.
    mutating func checkConcurrently(_ token: SQLToken, _ what: String) {
        guard inTransaction else { return }
        let why = transactional
            ? "this file runs in one transaction (no `-- transaction: none` header)"
            : "it stands inside an explicit BEGIN … COMMIT block"
        report(.concurrentlyInTransaction, at: token, "\(what) fails: \(why)")
    }
}
