/// Locks and lock_timeout, transaction control, VACUUM FULL / CLUSTER, triggers and enum values.
extension MigrationLinter.Pass {
    /// Records that the statement takes a lock that blocks writes on an existing object and
    /// reports ``LintRule/lockTimeoutMissing`` once per file when no lock_timeout protects it.
    mutating func noteLock(on name: QualifiedName, mode: String, what: String = "table") {
        guard !lockTimeoutReported else { return }
        let lock = "\(mode.first == "A" ? "an" : "a") \(mode) lock"
        let message: String
        switch lockTimeout {
        case .set:
            return
        case .disabled(let token):
            message = "lock_timeout is switched off on line \(token.line) before this statement takes \(lock) on \(what) \(name.key)"
        case .unset:
            if runnerSetsLockTimeout { return }
            message = "takes \(lock) on \(what) \(name.key) but the file sets no lock_timeout before it (reported once per file)"
        }
        lockTimeoutReported = true
        report(.lockTimeoutMissing, at: statement.first, message)
    }

    /// SET [SESSION | LOCAL] lock_timeout { = | TO } value | DEFAULT, RESET lock_timeout | ALL.
    mutating func checkSetting(_ verb: SQLToken, _ cursor: inout TokenCursor) {
        if verb.value == "reset" {
            if cursor.at("lock_timeout") || cursor.at("all") { lockTimeout = .disabled(verb) }
            return
        }
        let local = cursor.accept("local")
        cursor.accept("session")
        guard cursor.accept("lock_timeout") else { return }
        if !cursor.accept("to") { cursor.acceptSymbol("=") }
        guard let value = cursor.current else { return }
        applyLockTimeout(value, local: local, at: verb)
    }

    /// SELECT set_config('lock_timeout', value, is_local).
    mutating func checkSetConfig() {
        let t = statement.tokens
        for k in t.indices where t[k].isWord("set_config") && k + 6 < t.count {
            guard t[k + 1].isSymbol("("), t[k + 2].kind == .string, t[k + 2].value.lowercased() == "lock_timeout",
                  t[k + 3].isSymbol(","), t[k + 5].isSymbol(",") else { continue }
            applyLockTimeout(t[k + 4], local: t[k + 6].isWord("true"), at: t[k])
        }
    }

    private mutating func applyLockTimeout(_ value: SQLToken, local: Bool, at token: SQLToken) {
        // SET LOCAL outside a transaction block has no effect.
        if local && !inTransaction { return }
        if value.isWord("default") { lockTimeout = .disabled(token); return }
        guard value.kind == .number || value.kind == .string else { return }
        let digits = value.value.trimmingWhitespace().prefix { $0.isASCIIDigitCharacter || $0 == "." }
        if let amount = Double(digits), amount == 0 {
            lockTimeout = .disabled(token)
        } else {
            lockTimeout = .set(local: local)
        }
    }

    /// BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK / ABORT.
    mutating func checkTransactionControl(_ verb: SQLToken, _ cursor: inout TokenCursor) {
        if verb.value == "start" && !cursor.at("transaction") { return }
        if ["rollback", "commit"].contains(verb.value) && (cursor.at("to") || cursor.at("prepared")) { return }
        if verb.value == "end" && statement.tokens.count > 2 { return }
        let opens = verb.value == "begin" || verb.value == "start"
        if transactional {
            report(.transactionControl, at: verb,
                   "\(verb.value.uppercased()) inside a file that already runs in one transaction"
                   + (opens ? "" : ": the rest of the file and its history row are no longer atomic"))
            return
        }
        explicitTransaction = opens
        if !opens {
            addedEnumValues = [:]
            notValidInTransaction = [:]
            if case .set(local: true) = lockTimeout { lockTimeout = .unset }
        }
    }

    mutating func checkVacuum(_ cursor: inout TokenCursor) {
        var full: SQLToken?
        if cursor.current?.isSymbol("(") == true {
            let open = cursor.position
            cursor.skipGroup()
            for option in cursor.tokens[(open + 1)..<max(open + 1, cursor.position - 1)].splitTopLevel() {
                guard let word = option.first, word.isWord("full") else { continue }
                let value = option.dropFirst().first
                if value == nil || !(value!.isWord("false") || value!.isWord("off") || value!.value == "0") { full = word }
            }
        } else if let word = cursor.current, word.isWord("full") {
            full = word
        }
        if let full { report(.vacuumFull, at: full, "VACUUM FULL rewrites the table and blocks reads and writes") }
    }

    mutating func checkCluster(_ cursor: inout TokenCursor) {
        cursor.skipGroup()
        cursor.accept("verbose")
        let table = cursor.qualifiedName()
        if let table, isNew(table) { return }
        report(.cluster, at: statement.first, "CLUSTER \(table?.key ?? "(every clustered table)") rewrites and blocks reads and writes")
    }

    mutating func checkCreateTrigger(_ cursor: inout TokenCursor) {
        guard let name = cursor.qualifiedName() else { return }
        checkIdentifier(name.lastToken, "trigger name")
        guard cursor.seek(word: "on") else { return }
        _ = cursor.next()
        if let table = cursor.qualifiedName(), !isNew(table) { noteLock(on: table, mode: "SHARE ROW EXCLUSIVE") }
    }

    /// ALTER TYPE … ADD VALUE 'v': inside a transaction, 'v' cannot be used until it commits.
    mutating func checkAlterType(_ cursor: inout TokenCursor) {
        guard cursor.qualifiedName() != nil, cursor.accept("add", "value") else { return }
        cursor.accept("if", "not", "exists")
        guard let value = cursor.current, value.kind == .string, inTransaction else { return }
        addedEnumValues[value.value] = value
    }

    /// Reports string literals equal to an enum value added earlier in the same transaction.
    mutating func checkEnumValueUse() {
        guard !addedEnumValues.isEmpty else { return }
        let tokens = statement.tokens
        if tokens.count > 1, tokens[0].isWord("alter"), tokens[1].isWord("type") { return }
        for token in tokens where token.kind == .string {
            guard let added = addedEnumValues[token.value], !reportedEnumValues.contains(token.value) else { continue }
            reportedEnumValues.insert(token.value)
            report(.enumValueUsedInTransaction, at: token,
                   "enum value '\(token.value)' added on line \(added.line) is used before its transaction commits")
        }
    }
}
