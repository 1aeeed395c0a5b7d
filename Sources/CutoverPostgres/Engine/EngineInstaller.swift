import CutoverCore
import Logging
import PostgresNIO

/// Installs and upgrades the engine schema (`cutover init`, `cutover upgrade`).
///
/// Holds an advisory lock for the whole run (a second `init` or `upgrade` waits up to
/// ``lockWaitSeconds``, naming the holder, then fails); every step runs in a transaction with
/// `lock_timeout` and is retried when the timeout strikes; the capture slot is created last,
/// outside any transaction. Running it again after an interruption completes what is missing.
public struct EngineInstaller: Sendable {
    public enum CaptureMode: String, Sendable, CaseIterable {
        case wal, triggers
    }

    /// What a run reports as it goes.
    public enum Event: Sendable {
        case waitingForLock(holder: String)
        case stepInstalled(EngineSchema.Step, milliseconds: Int)
        case lockTimeout(step: Int, attempt: Int, of: Int)
        case setting(key: String, value: String)
        case captureReady(mode: CaptureMode, slot: String?)
        case note(String)
    }

    /// What a run did or (dry run) would do.
    public struct Plan: Sendable {
        public var installedVersion: Int
        public var pending: [EngineSchema.Step]
        public var capture: CaptureMode
        public var settings: [(key: String, value: String)]
        public var lines: [String]
    }

    public var target: DatabaseTarget
    public var logger: Logger
    public var lockWaitSeconds: Double = 30
    public var lockTimeoutMilliseconds = 2_000
    public var lockRetries = 10
    /// How long creating the capture slot may wait for the cluster's open transactions.
    public var slotWaitSeconds = 120
    public var binaryVersion: String

    public init(target: DatabaseTarget, binaryVersion: String, logger: Logger) {
        self.target = target
        self.binaryVersion = binaryVersion
        self.logger = logger
    }

    /// `cutover init`: installs every step and sets up `capture`; with an engine already installed
    /// it completes what is missing. Refuses another capture mode than the installed one.
    public func install(capture: CaptureMode, directory: ReaderDirectory, dryRun: Bool = false,
                        progress: @Sendable (Event) -> Void = { _ in }) async throws -> Plan {
        try await run(capture: capture, directory: directory, requireInstalled: false, dryRun: dryRun, progress: progress)
    }

    /// `cutover upgrade`: installs the steps the database lacks. Refuses a database without the engine.
    public func upgrade(directory: ReaderDirectory, dryRun: Bool = false, progress: @Sendable (Event) -> Void = { _ in }) async throws -> Plan {
        try await run(capture: nil, directory: directory, requireInstalled: true, dryRun: dryRun, progress: progress)
    }

    func run(capture requested: CaptureMode?, directory: ReaderDirectory, requireInstalled: Bool, dryRun: Bool,
             progress: @Sendable (Event) -> Void) async throws -> Plan {
        try await Database.withConnection(target, logger: logger) { connection in
            try await lock(connection, progress: progress)
            do {
                let plan = try await work(connection, requested: requested, directory: directory, requireInstalled: requireInstalled,
                                          dryRun: dryRun, progress: progress)
                _ = try? await connection.checkedQuery("SELECT pg_advisory_unlock(\(EngineSchema.advisoryLockKey))", logger: logger, doing: "releasing the engine lock")
                return plan
            } catch {
                _ = try? await connection.checkedQuery("ROLLBACK", logger: logger, doing: "rolling back")
                _ = try? await connection.checkedQuery("SELECT pg_advisory_unlock(\(EngineSchema.advisoryLockKey))", logger: logger, doing: "releasing the engine lock")
                throw error
            }
        }
    }

    func work(_ connection: PostgresConnection, requested: CaptureMode?, directory: ReaderDirectory, requireInstalled: Bool, dryRun: Bool,
              progress: @Sendable (Event) -> Void) async throws -> Plan {
        let state = try await EngineVersionCheck(logger: logger).state(connection)
        let database = target.url.database
        if state.version > EngineSchema.version {
            throw EngineVersionCheck.newerError(state, database: database)
        }
        if requireInstalled && state.version == 0 {
            throw DatabaseError(.engineNotInstalled, "the engine schema is not installed in database \(database); run `cutover init` (not upgrade)")
        }
        let installedMode = state.captureMode.flatMap(CaptureMode.init(rawValue:))
        if let requested, let installedMode, requested != installedMode {
            throw DatabaseError(.engineInstallRefused,
                                "database \(database) captures with \(installedMode.rawValue); init cannot switch it to \(requested.rawValue) (nothing changed). Switching needs a new database or `cutover init --capture \(installedMode.rawValue)`")
        }
        let mode = installedMode ?? requested ?? .wal
        if mode == .wal { try await EngineCapturePreflight(logger: logger).check(connection, database: database) }

        let pending = EngineSchema.steps.filter { $0.version > state.version }
        var settings: [(String, String)] = []
        if state.captureMode == nil { settings.append(("capture.mode", mode.rawValue)) }
        if let query = directory.territoriesQuery { settings.append(("readers.territories", query)) }
        if let query = directory.usersQuery { settings.append(("readers.users", query)) }
        var lines = pending.map { "install engine step \($0.version) \($0.name)" }
        lines += settings.map { "set \($0.0) = \($0.1)" }
        if mode == .wal { lines.append("ensure publication \(CaptureSQL.publication) and this database's logical replication slot") }
        let plan = Plan(installedVersion: state.version, pending: pending, capture: mode, settings: settings, lines: lines)
        if dryRun { return plan }

        try await exec(connection, "CREATE SCHEMA IF NOT EXISTS cutover", doing: "creating schema cutover")
        try await exec(connection, EngineSchema.versionTableDDL, doing: "creating cutover.engine_version")
        for step in pending {
            try await install(step, on: connection, progress: progress)
        }
        try await checkDirectory(directory, on: connection, progress: progress)
        for (key, value) in settings {
            var changed = false
            for try await _ in try await connection.checkedQuery("""
                INSERT INTO cutover.settings (key, value) VALUES (\(key), \(value))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now(), updated_by = session_user
                WHERE cutover.settings.value IS DISTINCT FROM excluded.value
                RETURNING key
                """, logger: logger, doing: "storing engine settings") { changed = true }
            if changed { progress(.setting(key: key, value: value)) }
        }
        var slot: String?
        if mode == .wal {
            try await exec(connection, """
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = '\(CaptureSQL.publication)') THEN
                        CREATE PUBLICATION \(CaptureSQL.publication);
                    END IF;
                END $$
                """, doing: "creating the capture publication")
            slot = try await ensureSlot(connection)
        }
        progress(.captureReady(mode: mode, slot: slot))
        for try await trapped in try await connection.checkedQuery("""
            SELECT current_user = 'cutover' AND current_setting('search_path') LIKE '%$user%'
            """, logger: logger, doing: "reading the search path").decode(Bool.self) where trapped {
            progress(.note("""
                role cutover's search_path (\(try await searchPath(connection))) starts with "$user": unqualified objects of your migrations \
                would be created in the engine's schema cutover. Qualify them, or ALTER ROLE cutover SET search_path = public
                """))
        }
        return plan
    }

    /// Runs one step and records it, in one transaction; retried when `lock_timeout` strikes.
    func install(_ step: EngineSchema.Step, on connection: PostgresConnection, progress: @Sendable (Event) -> Void) async throws {
        let statements = try SQLStatementSplitter().split(step.sql)
        var attempt = 1
        while true {
            let started = ContinuousClock.now
            do {
                try await exec(connection, "BEGIN", doing: "starting engine step \(step.version)")
                try await exec(connection, "SET LOCAL lock_timeout = '\(lockTimeoutMilliseconds)ms'", doing: "setting lock_timeout")
                for statement in statements {
                    do {
                        try await exec(connection, statement.sql, doing: "engine step \(step.version) \(step.name)")
                    } catch let error as DatabaseError where error.sqlState != "55P03" {
                        throw DatabaseError(.serverError, "engine step \(step.version) \(step.name), line \(statement.line): \(error.message)",
                                            sqlState: error.sqlState)
                    }
                }
                let ms = Int(started.elapsedMilliseconds)
                try await connection.checkedQuery("""
                    INSERT INTO cutover.engine_version (version, name, checksum, binary_version, duration_ms)
                    VALUES (\(step.version), \(step.name), \(step.checksum), \(binaryVersion), \(ms))
                    """, logger: logger, doing: "recording engine step \(step.version)")
                try await exec(connection, "COMMIT", doing: "committing engine step \(step.version)")
                progress(.stepInstalled(step, milliseconds: ms))
                return
            } catch let error as DatabaseError where error.sqlState == "55P03" && attempt < lockRetries {
                _ = try? await exec(connection, "ROLLBACK", doing: "rolling back")
                progress(.lockTimeout(step: step.version, attempt: attempt, of: lockRetries))
                try await Task.sleep(for: .milliseconds(min(200 * (1 << min(attempt, 5)), 5_000)))
                attempt += 1
            }
        }
    }

    /// Runs the directory queries once, so a broken one fails `init` instead of every SQL reader.
    /// A table that does not exist yet is fine (the application's migrations run after `init`).
    func checkDirectory(_ directory: ReaderDirectory, on connection: PostgresConnection, progress: @Sendable (Event) -> Void) async throws {
        let checks: [(key: String, query: String?, sql: (String) -> String, shape: String)] = [
            ("readers.territories", directory.territoriesQuery, { "SELECT d.code::text FROM (\($0)) AS d(code) LIMIT 1" }, "a one-column query"),
            ("readers.users", directory.usersQuery, { "SELECT d.id::bigint, d.email::text, d.is_manager::boolean FROM (\($0)) AS d(id, email, is_manager) LIMIT 1" },
             "a query of id, e-mail, is-manager"),
        ]
        for check in checks {
            guard let query = check.query else { continue }
            do {
                try await exec(connection, check.sql(query), doing: "checking \(check.key)")
            } catch let error as DatabaseError where error.sqlState == "42P01" || error.sqlState == "3F000" {
                var reason = Substring(error.message)
                if let colon = reason.range(of: "failed: ") { reason = reason[colon.upperBound...] }
                if let state = reason.range(of: " [SQLSTATE") { reason = reason[..<state.lowerBound] }
                progress(.note("\(check.key) cannot run yet (\(reason)); `cutover upgrade` checks it again once your migrations made it"))
            } catch let error as DatabaseError {
                throw DatabaseError(.engineInstallRefused, "\(check.key) does not run as \(check.shape): \(error.message) (nothing of the directory was stored)")
            }
        }
    }

    func lock(_ connection: PostgresConnection, progress: @Sendable (Event) -> Void) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(lockWaitSeconds * 1000))
        var announced = false
        while true {
            for try await got in try await connection.checkedQuery("SELECT pg_try_advisory_lock(\(EngineSchema.advisoryLockKey))", logger: logger,
                                                                    doing: "taking the engine lock").decode(Bool.self) where got { return }
            let holder = try await AdvisoryLockHolder.describe(connection, key: .bigint(EngineSchema.advisoryLockKey), logger: logger)
                ?? "a session that has just ended"
            if !announced { progress(.waitingForLock(holder: holder)); announced = true }
            if ContinuousClock.now >= deadline {
                throw DatabaseError(.engineLockBusy, "another cutover init or upgrade holds the engine lock (\(holder)); waited \(Int(lockWaitSeconds)) s. Retry when it has finished")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    func searchPath(_ connection: PostgresConnection) async throws -> String {
        for try await path in try await connection.checkedQuery("SELECT current_setting('search_path')", logger: logger, doing: "reading the search path")
            .decode(String.self) { return path }
        return ""
    }

    /// Creates the capture slot (an autocommit statement: creating a slot must be the first thing
    /// its transaction does). PostgreSQL 15 may end it with an internal error while the slot waits
    /// for running transactions under load (SQLSTATE XX000, "is not owned by resource owner");
    /// nothing of it remains, so it is retried.
    /// A slot waits for every transaction open in the cluster when it is created: at most
    /// ``slotWaitSeconds``, then the error names the oldest one.
    func ensureSlot(_ connection: PostgresConnection) async throws -> String? {
        try await exec(connection, "SET statement_timeout = '\(slotWaitSeconds)s'", doing: "bounding the slot's wait")
        do {
            let slot = try await createSlot(connection)
            try await exec(connection, "RESET statement_timeout", doing: "resetting statement_timeout")
            return slot
        } catch {
            _ = try? await exec(connection, "RESET statement_timeout", doing: "resetting statement_timeout")
            throw error
        }
    }

    func createSlot(_ connection: PostgresConnection) async throws -> String? {
        var attempt = 1
        while true {
            do {
                var slot: String?
                for try await name in try await connection.checkedQuery("SELECT slot_name FROM cutover.ensure_capture_slot()", logger: logger,
                                                                         doing: "creating the capture slot").decode(String.self) { slot = name }
                return slot
            } catch {
                let translated = error as? DatabaseError ?? Database.translate(error, doing: "creating the capture slot")
                if translated.sqlState == "57014" { throw try await slotWaitError(connection) }
                guard Migrator.isTransientSlotError(translated), attempt < lockRetries else { throw translated }
                attempt += 1
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    func slotWaitError(_ connection: PostgresConnection) async throws -> DatabaseError {
        var oldest = "a transaction that has ended since"
        for try await (pid, application, database, seconds) in try await connection.checkedQuery("""
            SELECT pid, coalesce(application_name, ''), coalesce(datname::text, ''), extract(epoch FROM now() - xact_start)::int8
            FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() ORDER BY xact_start LIMIT 1
            """, logger: logger, doing: "finding the oldest transaction").decode((Int32, String, String, Int64).self) {
            oldest = "pid \(pid) (\(application.isEmpty ? "no application name" : application), database \(database)), open for \(seconds) s"
        }
        return DatabaseError(.engineInstallRefused, """
            creating the capture slot waits for every transaction open in the cluster and gave up after \(slotWaitSeconds) s; \
            the oldest is \(oldest). The engine steps are installed; run cutover init again once it has ended
            """)
    }

    @discardableResult
    func exec(_ connection: PostgresConnection, _ sql: String, doing what: String) async throws -> Int {
        try await connection.checkedExecute(sql, logger: logger, doing: what)
    }
}
