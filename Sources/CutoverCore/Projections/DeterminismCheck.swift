/// Finds what makes a query depend on when or in which transaction it runs, from the linter's
/// tokens (``SQLLexer``) rather than the text: a call is a name followed by `(` (quoted or
/// schema-qualified names included, strings and comments never), a date/time literal such as
/// `'now'::timestamptz` is a string next to a cast. Read models must be a deterministic function
/// of the write tables, so `projections validate` refuses a `recompute.sql` with any of these.
public enum DeterminismCheck {
    /// Functions whose result changes between calls with the same arguments: clock, randomness,
    /// sequences, transaction ids and snapshots.
    public static let volatileFunctions: Set<String> = [
        "now", "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
        "random", "random_normal", "setseed", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4",
        "nextval", "currval", "lastval", "setval",
        "txid_current", "txid_current_if_assigned", "txid_current_snapshot", "pg_current_xact_id",
        "pg_current_xact_id_if_assigned", "pg_current_snapshot",
    ]

    /// SQL value functions written without parentheses.
    public static let clockKeywords: Set<String> = ["current_date", "current_time", "current_timestamp", "localtime", "localtimestamp"]

    /// Date/time input strings resolved against the clock when cast.
    public static let clockLiterals: Set<String> = ["now", "today", "tomorrow", "yesterday"]

    /// Type names a clock literal may be cast to (`timestamptz 'now'`, `'now'::date`).
    static let dateTimeTypes: Set<String> = ["timestamp", "timestamptz", "date", "time", "timetz"]

    /// The first nondeterministic construct of `sql` as written (`now()`, `"now"()`,
    /// `nextval(…)`, `current_date`, `'now'::timestamptz`) with its line, or nil.
    public static func firstProblem(in sql: String) throws(CoreError) -> (construct: String, line: Int)? {
        let tokens = try SQLLexer().tokenize(sql).filter { !$0.isComment }
        for (index, token) in tokens.enumerated() {
            let next = index + 1 < tokens.count ? tokens[index + 1] : nil
            let previous = index > 0 ? tokens[index - 1] : nil
            switch token.kind {
            case .word, .quotedIdentifier:
                let name = token.kind == .word ? token.value : token.value.lowercased()
                if next?.isSymbol("(") == true, volatileFunctions.contains(name), previous?.isSymbol("::") != true {
                    return ("\(token.text)(…)", token.line)
                }
                if token.kind == .word, clockKeywords.contains(name) {
                    return (token.text, token.line)
                }
            case .string where clockLiterals.contains(token.value.trimmingWhitespace().lowercased()):
                let cast = next?.isSymbol("::") == true || next?.isWord("as") == true
                    || (previous.map { $0.kind == .word && dateTimeTypes.contains($0.value) } ?? false)
                if cast { return ("'\(token.value)' cast to a date or time", token.line) }
            default:
                continue
            }
        }
        return nil
    }
}
