/// How serious a lint finding is. Errors fail `cutover migrate lint` (exit 1); warnings do not.
public enum LintSeverity: String, Sendable, Equatable, Comparable, CaseIterable {
    case warning
    case error

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs == .warning && rhs == .error }
}

/// A rule of the migration linter. The raw value is the stable kebab-case id used in output and in
/// suppression comments; ids never change once released.
public enum LintRule: String, Sendable, Equatable, Hashable, CaseIterable, Comparable {
    case indexNotConcurrent = "index-not-concurrent"
    case dropIndexNotConcurrent = "drop-index-not-concurrent"
    case concurrentlyInTransaction = "concurrently-in-transaction"
    case foreignKeyWithoutNotValid = "foreign-key-without-not-valid"
    case checkWithoutNotValid = "check-without-not-valid"
    case setNotNull = "set-not-null"
    case notNullWithoutDefault = "not-null-without-default"
    case volatileDefault = "volatile-default"
    case columnTypeChange = "column-type-change"
    case renameColumn = "rename-column"
    case renameTable = "rename-table"
    case dropColumn = "drop-column"
    case dropTable = "drop-table"
    case dropNotNull = "drop-not-null"
    case uniqueWithoutIndex = "unique-without-index"
    case lockTimeoutMissing = "lock-timeout-missing"
    case preferIdentity = "prefer-identity"
    case preferTimestamptz = "prefer-timestamptz"
    case preferText = "prefer-text"
    case preferJsonb = "prefer-jsonb"
    case truncateCascade = "truncate-cascade"
    case vacuumFull = "vacuum-full"
    case cluster = "cluster"
    case enumValueUsedInTransaction = "enum-value-used-in-transaction"
    case identifierTooLong = "identifier-too-long"
    case transactionControl = "transaction-control"
    case suppressionWithoutReason = "suppression-without-reason"
    case unknownRule = "unknown-rule"
    case invalidSuppression = "invalid-suppression"
    case unparsableSQL = "unparsable-sql"

    /// The stable id, for example `index-not-concurrent`.
    public var id: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The severity of a finding of this rule in a file of `phase`, or `nil` when the rule does not
    /// apply in that phase (destructive changes are the point of the contract phase).
    public func severity(in phase: MigrationPhase) -> LintSeverity? {
        switch self {
        case .dropColumn, .dropTable, .dropNotNull:
            phase == .contract ? nil : .error
        case .renameColumn, .renameTable:
            phase == .contract ? .warning : .error
        case .lockTimeoutMissing, .preferIdentity, .preferTimestamptz, .preferText, .preferJsonb:
            .warning
        default:
            .error
        }
    }

    /// Why the rule exists, in one line.
    public var explanation: String {
        switch self {
        case .indexNotConcurrent:
            "CREATE INDEX / REINDEX without CONCURRENTLY holds a SHARE lock that blocks every write to the table for the whole build."
        case .dropIndexNotConcurrent:
            "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table: reads and writes queue behind it."
        case .concurrentlyInTransaction:
            "CONCURRENTLY cannot run inside a transaction block; a file without `-- transaction: none` runs in one transaction and fails."
        case .foreignKeyWithoutNotValid:
            "Adding a validated foreign key scans the whole table while blocking writes to it and to the referenced table."
        case .checkWithoutNotValid:
            "Adding a validated CHECK constraint scans the whole table under an ACCESS EXCLUSIVE lock."
        case .setNotNull:
            "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock unless a validated CHECK (col IS NOT NULL) proves it."
        case .notNullWithoutDefault:
            "Adding a NOT NULL column without a default fails on any table that has rows, and old code inserting rows breaks."
        case .volatileDefault:
            "A volatile default (random(), clock_timestamp(), nextval(), identity …) on a new column rewrites the whole table under an ACCESS EXCLUSIVE lock."
        case .columnTypeChange:
            "Changing a column's type rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (unless binary coercible) and breaks old code."
        case .renameColumn:
            "Renaming a column breaks every running application version that still uses the old name."
        case .renameTable:
            "Renaming a table breaks every running application version that still uses the old name."
        case .dropColumn:
            "Dropping a column outside the contract phase breaks application versions that still read or write it."
        case .dropTable:
            "Dropping a table outside the contract phase breaks application versions that still use it."
        case .dropNotNull:
            "Dropping NOT NULL changes the contract old readers rely on; it belongs to the contract phase."
        case .uniqueWithoutIndex:
            "Adding a UNIQUE or PRIMARY KEY constraint builds its index while holding an ACCESS EXCLUSIVE lock."
        case .lockTimeoutMissing:
            "A DDL lock request waits behind long transactions and every later query waits behind it; without lock_timeout the table stalls."
        case .preferIdentity:
            "serial types create a separately owned sequence with awkward permissions and dump behaviour; identity columns are the standard."
        case .preferTimestamptz:
            "timestamp without time zone stores wall-clock time without an offset, so values become ambiguous across zones and DST."
        case .preferText:
            "char(n) pads with blanks and varchar(n) only adds a length check that needs a table rewrite or lock to change later."
        case .preferJsonb:
            "json stores text verbatim: no equality operator, no indexing, reparsed on every access."
        case .truncateCascade:
            "TRUNCATE … CASCADE silently empties every table that references the target, recursively."
        case .vacuumFull:
            "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock: no reads or writes until it finishes."
        case .cluster:
            "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock: no reads or writes until it finishes."
        case .enumValueUsedInTransaction:
            "A value added with ALTER TYPE … ADD VALUE cannot be used before the transaction that added it commits."
        case .identifierTooLong:
            "PostgreSQL silently truncates identifiers to 63 bytes, so long names collide or differ from what the code expects."
        case .transactionControl:
            "The runner wraps the file and its history row in one transaction; BEGIN/COMMIT/ROLLBACK in the file break that atomicity."
        case .suppressionWithoutReason:
            "A suppression must say why the rule does not apply, so reviewers can check it; without a reason it suppresses nothing."
        case .unknownRule:
            "The suppression names a rule id that does not exist (typo?), so it suppresses nothing."
        case .invalidSuppression:
            "The suppression comment is malformed, attached to no statement, or `ignore-file` is not in the header, so it suppresses nothing."
        case .unparsableSQL:
            "The file could not be tokenised (unterminated string, identifier, dollar quote or comment), so it was not checked."
        }
    }

    /// What to do instead, in one line.
    public var safeAlternative: String {
        switch self {
        case .indexNotConcurrent:
            "CREATE INDEX CONCURRENTLY (REINDEX … CONCURRENTLY) in a file with `-- transaction: none`."
        case .dropIndexNotConcurrent:
            "DROP INDEX CONCURRENTLY in a file with `-- transaction: none`."
        case .concurrentlyInTransaction:
            "Put the statement in its own file with the header `-- transaction: none` and no BEGIN/COMMIT around it."
        case .foreignKeyWithoutNotValid:
            "ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT in a later statement or file."
        case .checkWithoutNotValid:
            "ADD CONSTRAINT … CHECK (…) NOT VALID, then VALIDATE CONSTRAINT in a later statement or file."
        case .setNotNull:
            "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT NULL and drop c."
        case .notNullWithoutDefault:
            "Add the column nullable (or with a constant DEFAULT), backfill in the migrate phase, then enforce NOT NULL."
        case .volatileDefault:
            "Add the column without a default (or a constant one), SET DEFAULT for new rows, backfill existing rows in batches."
        case .columnTypeChange:
            "Add a new column with the new type, dual-write and backfill it, switch readers, drop the old column in contract."
        case .renameColumn:
            "Add the new column, keep both in sync (trigger or view), move readers, drop the old one in contract."
        case .renameTable:
            "Create the new table (or a view under the new name), move readers and writers, drop the old name in contract."
        case .dropColumn:
            "Stop using the column, then drop it in a `-- phase: contract` migration."
        case .dropTable:
            "Stop using the table, then drop it in a `-- phase: contract` migration."
        case .dropNotNull:
            "Move DROP NOT NULL to a `-- phase: contract` migration once no reader depends on it."
        case .uniqueWithoutIndex:
            "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX (PRIMARY KEY USING INDEX)."
        case .lockTimeoutMissing:
            "SET lock_timeout = '1s' (or SET LOCAL in a transactional file) before the statement, and retry on timeout."
        case .preferIdentity:
            "bigint GENERATED BY DEFAULT AS IDENTITY (or GENERATED ALWAYS AS IDENTITY)."
        case .preferTimestamptz:
            "timestamptz (timestamp with time zone)."
        case .preferText:
            "text, with a CHECK (char_length(col) <= n) constraint if a limit is really needed."
        case .preferJsonb:
            "jsonb."
        case .truncateCascade:
            "TRUNCATE the intended tables by name, without CASCADE, or DELETE in batches."
        case .vacuumFull:
            "Plain VACUUM, or pg_repack / pg_squeeze for an online rewrite."
        case .cluster:
            "pg_repack --order-by for an online rewrite, or rely on a suitable index instead of physical order."
        case .enumValueUsedInTransaction:
            "Add the enum value in its own file (committed first) and use it in a later migration."
        case .identifierTooLong:
            "Choose a name of at most 63 bytes (count UTF-8 bytes, not characters)."
        case .transactionControl:
            "Remove BEGIN/COMMIT/ROLLBACK; use `-- transaction: none` when statements must run outside a transaction."
        case .suppressionWithoutReason:
            "-- cutover-lint: ignore <rule-id> reason: <why it is safe here>"
        case .unknownRule:
            "Use a rule id from `cutover migrate lint --rules`."
        case .invalidSuppression:
            "Put `ignore` on the line before the statement or at the end of its first line; `ignore-file` before the first statement."
        case .unparsableSQL:
            "Close the string, quoted identifier, dollar quote or block comment."
        }
    }
}
