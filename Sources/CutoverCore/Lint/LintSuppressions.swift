/// The `cutover-lint:` comments of a file and what they suppress.
///
/// `-- cutover-lint: ignore <rule-id>[, <rule-id>] reason: <text>` on the line before a statement
/// (or at the end of its first line) suppresses those rules for that statement;
/// `-- cutover-lint: ignore-file <rule-id> reason: <text>` before the first statement suppresses
/// them for the whole file. A suppression without a reason, naming an unknown rule or attached to
/// no statement suppresses nothing and is itself a finding.
struct LintSuppressions {
    /// Rules suppressed per statement index.
    private(set) var byStatement: [Int: Set<LintRule>] = [:]
    /// Rules suppressed for the whole file.
    private(set) var fileWide: Set<LintRule> = []
    /// Findings about the suppression comments themselves.
    private(set) var problems: [RawFinding] = []

    static let marker = "cutover-lint:"

    init(comments: [SQLToken], statements: [LintStatement]) {
        var commentLines = Set<Int>()
        for comment in comments {
            let lines = comment.text.unicodeScalars.filter { $0 == "\n" }.count
            for line in comment.line...(comment.line + lines) { commentLines.insert(line) }
        }
        for comment in comments {
            let body = comment.value.trimmingWhitespace()
            guard body.lowercased().hasPrefix(Self.marker) else { continue }
            parse(String(body.dropFirst(Self.marker.count)).trimmingWhitespace(), comment: comment,
                  statements: statements, commentLines: commentLines)
        }
    }

    /// Whether `rule` is suppressed for the statement at `index`.
    func suppresses(_ rule: LintRule, statement index: Int) -> Bool {
        fileWide.contains(rule) || byStatement[index]?.contains(rule) == true
    }

    private mutating func parse(_ directive: String, comment: SQLToken, statements: [LintStatement], commentLines: Set<Int>) {
        func problem(_ rule: LintRule, _ message: String) {
            problems.append(RawFinding(rule: rule, token: comment, statement: nil, message: message))
        }
        let verb = String(directive.prefix { !$0.isWhitespace }).lowercased()
        guard verb == "ignore" || verb == "ignore-file" else {
            problem(.invalidSuppression, "unknown directive \"\(verb)\"; expected `ignore` or `ignore-file`")
            return
        }
        var rest = String(directive.dropFirst(verb.count))
        var reason = ""
        if let marker = rest.indices.first(where: { rest[$0...].prefix(7).lowercased() == "reason:" }) {
            reason = String(rest[marker...].dropFirst(7)).trimmingWhitespace()
            rest = String(rest[..<marker])
        }
        let ids = rest.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
        guard !ids.isEmpty else {
            problem(.invalidSuppression, "`\(verb)` names no rule id")
            return
        }
        var rules: Set<LintRule> = []
        var unknown: [String] = []
        for id in ids {
            if let rule = LintRule(rawValue: id.lowercased()) { rules.insert(rule) } else { unknown.append(id) }
        }
        if !unknown.isEmpty {
            problem(.unknownRule, "unknown rule id\(unknown.count > 1 ? "s" : "") \(unknown.joined(separator: ", ")) in suppression; it suppresses nothing")
        }
        if reason.isEmpty {
            problem(.suppressionWithoutReason, "suppression of \(ids.joined(separator: ", ")) gives no `reason:`; it suppresses nothing")
        }
        guard unknown.isEmpty, !reason.isEmpty else { return }
        if verb == "ignore-file" {
            if let first = statements.first, first.first.offset < comment.offset {
                problem(.invalidSuppression, "`ignore-file` must stand in the header, before the first statement")
            } else {
                fileWide.formUnion(rules)
            }
            return
        }
        guard let target = Self.target(of: comment, statements: statements, commentLines: commentLines) else {
            problem(.invalidSuppression, "suppression is not on the line before a statement nor at the end of its first line")
            return
        }
        byStatement[target, default: []].formUnion(rules)
    }

    /// The statement a suppression comment belongs to: the statement whose first line it ends, or
    /// the next statement when only comment lines stand between them.
    private static func target(of comment: SQLToken, statements: [LintStatement], commentLines: Set<Int>) -> Int? {
        if let trailing = statements.last(where: { $0.first.line == comment.line && $0.first.offset < comment.offset }) {
            return trailing.index
        }
        // Only a comment on a line of its own looks forward; one after the end of a statement's
        // last line would otherwise silently move to the next statement.
        if statements.contains(where: { $0.tokens.contains { $0.line == comment.line && $0.offset < comment.offset } }) {
            return nil
        }
        let lastLine = comment.line + comment.text.unicodeScalars.filter { $0 == "\n" }.count
        guard let next = statements.first(where: { $0.first.offset > comment.offset }),
              next.first.line > lastLine,
              (lastLine + 1..<next.first.line).allSatisfy({ commentLines.contains($0) })
        else { return nil }
        // A statement that started before the comment and is still open on its line owns it.
        if let previous = statements.last(where: { $0.first.offset < comment.offset }),
           let end = previous.tokens.last, end.offset > comment.offset { return nil }
        return next.index
    }
}
