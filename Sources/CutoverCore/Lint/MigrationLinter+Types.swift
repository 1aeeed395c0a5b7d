/// Column types that work but age badly: serial, timestamp without time zone, char/varchar(n), json.
extension MigrationLinter.Pass {
    /// Checks the type tokens of a column definition or ALTER COLUMN … TYPE.
    mutating func checkType(_ type: ArraySlice<SQLToken>, column: String) {
        var c = TokenCursor(type)
        // pg_catalog.varchar(20): look at the last part of a qualified type name.
        if c.peek(1)?.isSymbol(".") == true { _ = c.next(); _ = c.next() }
        guard let head = c.next(), head.kind == .word else { return }
        let hasLength = c.current?.isSymbol("(") == true
        switch head.value {
        case let serial where Self.serialTypes.contains(serial):
            report(.preferIdentity, at: head, "column \(column) uses \(serial); use an identity column")
        case "timestamp":
            c.skipGroup()
            if !c.at("with", "time", "zone") {
                report(.preferTimestamptz, at: head, "column \(column) is timestamp without time zone")
            }
        case "character" where c.at("varying"), "varchar":
            if c.accept("varying"), c.current?.isSymbol("(") == true {
                report(.preferText, at: head, "column \(column) is character varying(n)")
            } else if head.value == "varchar" && hasLength {
                report(.preferText, at: head, "column \(column) is varchar(n)")
            }
        case "char", "character", "bpchar", "nchar":
            report(.preferText, at: head, "column \(column) is \(head.value)\(hasLength ? "(n)" : " (one blank-padded character)")")
        case "json":
            report(.preferJsonb, at: head, "column \(column) is json")
        default:
            break
        }
    }
}
