import CutoverCore
import Foundation
import Logging
import PostgresNIO

/// Runs pending migrations against a scratch copy of the target's schema (same cluster, no data)
/// and records, statement by statement, which table locks each one takes.
///
/// The copy is made with `pg_dump --schema-only` and restored with `psql` into a throwaway
/// database, which is dropped afterwards, whatever happens. Statements of a transactional file run
/// in one transaction as `up` would; after each one, `pg_locks` of the session shows the locks it
/// added, DDL of every kind included: a relation a statement dropped is named from the catalog as
/// it was before the statement (its lock outlives its `pg_class` row). Statements that cannot run
/// inside a transaction (CONCURRENTLY, VACUUM) are run as they are and their lock is the
/// documented one.
public struct MigrationDryRun: Sendable {
    /// A table lock a statement takes.
    public struct TakenLock: Sendable, Equatable {
        public var mode: String
        public var relation: String
        /// The relation did not exist before the file ran: its lock blocks nobody.
        public var isNew: Bool
        /// Observed in `pg_locks` (true) or known from the documentation (false).
        public var observed: Bool

        /// What the lock does to other sessions.
        public var effect: String {
            if isNew { return "new object, blocks nobody" }
            switch mode {
            case "AccessExclusiveLock": return "blocks reads and writes"
            case "ExclusiveLock", "ShareRowExclusiveLock", "ShareLock": return "blocks writes"
            case "ShareUpdateExclusiveLock": return "blocks DDL and VACUUM only"
            default: return "no conflict with reads or writes"
            }
        }

        /// `ACCESS EXCLUSIVE`.
        public var displayMode: String {
            var out = ""
            for c in mode.replacingOccurrences(of: "Lock", with: "") {
                if c.isUppercase, !out.isEmpty { out.append(" ") }
                out.append(Character(c.uppercased()))
            }
            return out
        }
    }

    /// One statement's result.
    public struct StatementReport: Sendable {
        public var line: Int
        public var sql: String
        public var locks: [TakenLock]
        public var error: String?
    }

    /// One file's result.
    public struct FileReport: Sendable {
        public var file: MigrationFile
        public var statements: [StatementReport]
        public var failed: Bool { statements.contains { $0.error != nil } }
    }

    public var target: DatabaseTarget
    public var logger: Logger
    /// The scratch database's name starts with this (then the pid and a random number).
    public var scratchPrefix = "cutover_plan"

    public init(target: DatabaseTarget, logger: Logger) {
        self.target = target
        self.logger = logger
    }

    /// Copies the schema, runs `files` in order on the copy and drops it. Stops at the first failing
    /// statement (later files depend on earlier ones); that statement's report carries the error.
    public func run(_ files: [MigrationFile]) async throws -> [FileReport] {
        try await run(files, repeatables: []).files
    }

    /// As ``run(_:)``, then, when every versioned file ran, the changed `repeatables` after them,
    /// each in one transaction, as `up` runs them.
    public func run(_ files: [MigrationFile], repeatables: [RepeatableMigration]) async throws -> (files: [FileReport], repeatables: [RepeatableReport]) {
        let scratch = "\(scratchPrefix)_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let binaries = try PostgresBinaries.locate()
        try await Database.withConnection(target, logger: logger) { admin in
            try await DatabaseAdmin.createDatabaseIfMissing(scratch, template: "template0", on: admin, logger: logger)
        }
        do {
            try copySchema(into: scratch, binaries: binaries)
            let reports = try await Database.withConnection(target.with(database: scratch), logger: logger) { connection in
                let fileReports = try await runFiles(files, on: connection)
                guard !fileReports.contains(where: \.failed), fileReports.count == files.count else { return (fileReports, [RepeatableReport]()) }
                return (fileReports, try await runRepeatables(repeatables, on: connection))
            }
            try await dropScratch(scratch)
            return reports
        } catch {
            try? await dropScratch(scratch)
            throw error
        }
    }

    private func dropScratch(_ name: String) async throws {
        _ = try await Database.withConnection(target, logger: logger) { admin in
            try await admin.checkedQuery(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(DatabaseAdmin.quoteIdentifier(name)) WITH (FORCE)"),
                                         logger: logger, doing: "dropping the scratch database")
        }
    }

    private func copySchema(into scratch: String, binaries: PostgresBinaries) throws {
        let dumpFile = NSTemporaryDirectory() + "cutover-plan-\(UUID().uuidString).sql"
        defer { unlink(dumpFile) }
        let pgDump = FileManager.default.isExecutableFile(atPath: binaries.directory + "/pg_dump") ? binaries.directory + "/pg_dump" : "/usr/bin/pg_dump"
        let runner = ProcessRunner(runAsUser: nil)
        let dump = try runner.run(pgDump, ["--schema-only", "--no-publications", "--no-subscriptions", "--file", dumpFile,
                                           "--dbname", target.url.urlWithPassword])
        guard dump.succeeded else {
            throw DatabaseError(.clusterCommandFailed, "pg_dump --schema-only of the target failed: \(DatabaseURL.redact(dump.output).prefix(400))")
        }
        let restore = try runner.run(binaries.psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", target.with(database: scratch).url.urlWithPassword,
                                                     "-f", dumpFile])
        guard restore.succeeded else {
            throw DatabaseError(.clusterCommandFailed, "restoring the schema copy failed: \(DatabaseURL.redact(restore.output).prefix(400))")
        }
    }

    private func runFiles(_ files: [MigrationFile], on connection: PostgresConnection) async throws -> [FileReport] {
        var reports: [FileReport] = []
        for file in files {
            let before = try await relationIDs(connection)
            var report = FileReport(file: file, statements: [])
            if file.transactional { try await exec(connection, "BEGIN") }
            var held = Set<String>()
            // Names of the relations seen so far, kept after a statement drops one.
            var known = try await relationNames(connection)
            for statement in file.statements {
                var entry = StatementReport(line: statement.line, sql: statement.sql, locks: [], error: nil)
                let inTransaction = file.transactional || !Self.needsAutocommit(statement.sql)
                do {
                    if !file.transactional && inTransaction { try await exec(connection, "BEGIN"); held = [] }
                    try await exec(connection, statement.sql)
                    if inTransaction {
                        let now = try await locks(connection, existing: before, known: known)
                        known.merge(try await relationNames(connection)) { old, _ in old }
                        entry.locks = Self.strongestPerRelation(now.filter { !held.contains($0.relation + "|" + $0.mode) })
                        held.formUnion(now.map { $0.relation + "|" + $0.mode })
                        if !file.transactional { try await exec(connection, "COMMIT") }
                    } else {
                        entry.locks = Self.documentedLocks(statement.sql)
                    }
                } catch {
                    entry.error = Database.translate(error, doing: "statement").message.replacingOccurrences(of: "statement failed: ", with: "")
                    _ = try? await exec(connection, "ROLLBACK")
                    report.statements.append(entry)
                    reports.append(report)
                    return reports
                }
                report.statements.append(entry)
            }
            if file.transactional { try await exec(connection, "COMMIT") }
            reports.append(report)
        }
        return reports
    }

    /// Runs `sql` to its end: rows are drained, so an error raised while a SELECT runs is reported.
    func exec(_ connection: PostgresConnection, _ sql: String) async throws {
        for try await _ in try await connection.checkedQuery(PostgresQuery(unsafeSQL: sql), logger: logger, doing: "dry run") {}
    }

    func relationIDs(_ connection: PostgresConnection) async throws -> Set<Int64> {
        let rows = try await connection.checkedQuery("SELECT oid::bigint FROM pg_class", logger: logger, doing: "listing relations")
        var ids = Set<Int64>()
        for try await id in rows.decode(Int64.self) { ids.insert(id) }
        return ids
    }

    /// Tables, views, materialized views and foreign tables outside the system schemas, by oid.
    func relationNames(_ connection: PostgresConnection) async throws -> [Int64: String] {
        let rows = try await connection.checkedQuery("""
            SELECT c.oid::bigint, quote_ident(n.nspname) || '.' || quote_ident(c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            """, logger: logger, doing: "listing relations")
        var names: [Int64: String] = [:]
        for try await (oid, name) in rows.decode((Int64, String).self) { names[oid] = name }
        return names
    }

    /// The session's granted relation locks on the relations of `known` (those a statement
    /// dropped included: their `pg_class` row is gone, their lock is not).
    func locks(_ connection: PostgresConnection, existing: Set<Int64>, known: [Int64: String]) async throws -> [TakenLock] {
        let rows = try await connection.checkedQuery("""
            SELECT l.relation::bigint, l.mode FROM pg_locks l
            WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, logger: logger, doing: "reading the session's locks")
        var locked: [(Int64, String)] = []
        for try await (oid, mode) in rows.decode((Int64, String).self) { locked.append((oid, mode)) }
        let current = try await relationNames(connection)
        return locked.compactMap { oid, mode in
            guard let name = current[oid] ?? known[oid] else { return nil }
            return TakenLock(mode: mode, relation: name, isNew: !existing.contains(oid), observed: true)
        }
    }

    static let strength = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
                           "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]

    static func strongestPerRelation(_ locks: [TakenLock]) -> [TakenLock] {
        var best: [String: TakenLock] = [:]
        for lock in locks {
            if let current = best[lock.relation], (strength.firstIndex(of: current.mode) ?? 0) >= (strength.firstIndex(of: lock.mode) ?? 0) { continue }
            best[lock.relation] = lock
        }
        return best.values.sorted { $0.relation < $1.relation }
    }

    /// Statements PostgreSQL refuses inside a transaction block.
    static func needsAutocommit(_ sql: String) -> Bool {
        let words = ConcurrentIndex.tokens(sql).prefix(4).map { $0.uppercased() }
        return words.contains("CONCURRENTLY") || words.first == "VACUUM" || (words.first == "CREATE" && words.dropFirst().first == "DATABASE")
            || (words.first == "ALTER" && words.dropFirst().first == "SYSTEM") || (words.first == "REINDEX" && sql.uppercased().contains("CONCURRENTLY"))
    }

    /// The documented lock of statements that cannot be observed in a transaction.
    static func documentedLocks(_ sql: String) -> [TakenLock] {
        let words = ConcurrentIndex.tokens(sql)
        let upper = words.map { $0.uppercased() }
        if let on = upper.firstIndex(of: "ON"), upper.contains("CONCURRENTLY"), on + 1 < words.count {
            var i = on + 1
            if upper[i] == "ONLY" { i += 1 }
            return [TakenLock(mode: "ShareUpdateExclusiveLock", relation: i < words.count ? words[i] : "?", isNew: false, observed: false)]
        }
        if upper.contains("CONCURRENTLY"), let last = words.last {
            return [TakenLock(mode: "ShareUpdateExclusiveLock", relation: "table of \(last)", isNew: false, observed: false)]
        }
        if upper.first == "VACUUM" {
            return [TakenLock(mode: upper.contains("FULL") ? "AccessExclusiveLock" : "ShareUpdateExclusiveLock",
                              relation: words.last ?? "?", isNew: false, observed: false)]
        }
        return []
    }
}
