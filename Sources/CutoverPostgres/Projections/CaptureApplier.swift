import CutoverCore
import Logging
import PostgresNIO

/// Makes the database capture exactly the projections' source tables (`cutover projections
/// apply`), and tells the projector whether it does.
///
/// Each action runs in its own short transaction with `lock_timeout` and is retried when the
/// timeout strikes (an `ALTER TABLE … REPLICA IDENTITY` or a trigger needs a brief exclusive lock
/// of the table). A table that starts being captured marks the projections reading it for a
/// rebuild: its earlier changes were never captured. Every apply that changed something is
/// audited in `cutover.capture_audit`.
public struct CaptureApplier: Sendable {
    public enum Event: Sendable {
        case applied(CapturePlan.Action)
        case lockTimeout(CapturePlan.Action, attempt: Int, of: Int)
        case rebuildRequested([String])
    }

    public var directory: String
    public var logger: Logger
    public var lockTimeoutMilliseconds = 2_000
    public var lockRetries = 10

    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// The plan for `projections` on this database; checks the sources against its catalog first.
    public func plan(_ projections: [ProjectionDefinition], on connection: PostgresConnection) async throws -> CapturePlan {
        try await ProjectionCatalogCheck(directory: directory, logger: logger).check(projections, on: connection)
        let mode = try await captureMode(connection)
        let wanted = CaptureSQL.capturedColumns(projections)
        return CapturePlan(mode: mode, wanted: wanted, current: try await current(wanted.map(\.table), on: connection))
    }

    /// Throws ``DatabaseError/Code/captureMismatch`` naming what differs and the command to run.
    public func requireCurrent(_ projections: [ProjectionDefinition], on connection: PostgresConnection) async throws {
        let plan = try await plan(projections, on: connection)
        guard plan.isEmpty else {
            throw DatabaseError(.captureMismatch, """
                change capture does not match projections/ (\(plan.actions.map(\.description).joined(separator: "; "))); \
                run `cutover projections apply` (it prints its plan; --dry-run changes nothing)
                """)
        }
    }

    /// Applies `plan`; returns the projections marked for a rebuild. A table that starts being
    /// captured marks the projections reading it in the same transaction, so a failure later in
    /// the plan cannot leave a published table whose earlier changes nobody rebuilds. What was
    /// applied is audited also when a later action fails; a rerun applies the rest.
    @discardableResult
    public func apply(_ plan: CapturePlan, projections: [ProjectionDefinition], on connection: PostgresConnection,
                      progress: @Sendable (Event) -> Void = { _ in }) async throws -> [String] {
        guard !plan.isEmpty else { return [] }
        var applied: [CapturePlan.Action] = []
        var rebuild: [String] = []
        do {
            for action in plan.actions {
                rebuild += try await apply(action, projections: projections, on: connection, progress: progress)
                applied.append(action)
            }
        } catch {
            if !applied.isEmpty { try? await audit(applied, mode: plan.mode, projections: projections, on: connection) }
            throw error
        }
        try await audit(applied, mode: plan.mode, projections: projections, on: connection)
        rebuild = Array(Set(rebuild)).sorted()
        if !rebuild.isEmpty { progress(.rebuildRequested(rebuild)) }
        return rebuild
    }

    /// One action in its own transaction with `lock_timeout`, retried when the timeout strikes;
    /// returns the projections it marked for a rebuild (only those built before: new ones are
    /// built from scratch anyway).
    func apply(_ action: CapturePlan.Action, projections: [ProjectionDefinition], on connection: PostgresConnection,
               progress: @Sendable (Event) -> Void) async throws -> [String] {
        let reading = action.startsCapture
            ? projections.filter { projection in projection.sources.contains { $0.table == action.table } }.map(\.name) : []
        var attempt = 1
        while true {
            do {
                try await exec(connection, "BEGIN", doing: "applying capture")
                try await exec(connection, "SET LOCAL lock_timeout = '\(lockTimeoutMilliseconds)ms'", doing: "setting lock_timeout")
                for statement in action.statements { try await exec(connection, statement, doing: action.description) }
                var marked: [String] = []
                if !reading.isEmpty {
                    for try await name in try await connection.checkedQuery("""
                        UPDATE cutover.projection_checkpoint SET needs_rebuild = true WHERE projection = ANY(\(reading)) RETURNING projection
                        """, logger: logger, doing: "requesting rebuilds").decode(String.self) { marked.append(name) }
                }
                try await exec(connection, "COMMIT", doing: "applying capture")
                progress(.applied(action))
                return marked
            } catch let error as DatabaseError where error.sqlState == "55P03" && attempt < lockRetries {
                _ = try? await exec(connection, "ROLLBACK", doing: "rolling back")
                progress(.lockTimeout(action, attempt: attempt, of: lockRetries))
                try await Task.sleep(for: .milliseconds(min(200 * (1 << min(attempt, 5)), 5_000)))
                attempt += 1
            } catch {
                _ = try? await exec(connection, "ROLLBACK", doing: "rolling back")
                throw error
            }
        }
    }

    func audit(_ applied: [CapturePlan.Action], mode: CapturePlan.Mode, projections: [ProjectionDefinition],
               on connection: PostgresConnection) async throws {
        try await connection.checkedQuery("""
            INSERT INTO cutover.capture_audit (mode, tables, plan)
            VALUES (\(mode.rawValue), \(CaptureSQL.capturedColumns(projections).map(\.table)), \(applied.map(\.description)))
            """, logger: logger, doing: "auditing the capture change")
    }

    func captureMode(_ connection: PostgresConnection) async throws -> CapturePlan.Mode {
        var text: String?
        for try await mode in try await connection.checkedQuery("SELECT cutover.capture_mode()", logger: logger, doing: "reading the capture mode")
            .decode(String?.self) { text = mode }
        guard let text, let mode = CapturePlan.Mode(rawValue: text) else {
            throw DatabaseError(.engineNotInstalled, "no capture mode is recorded in this database; run `cutover init`")
        }
        return mode
    }

    func current(_ wanted: [String], on connection: PostgresConnection) async throws -> CapturePlan.Current {
        var current = CapturePlan.Current()
        let published = try await connection.checkedQuery("""
            SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = \(CaptureSQL.publication)
            """, logger: logger, doing: "reading the capture publication")
        for try await table in published.decode(String.self) { current.publishedTables.insert(table) }
        let identity = try await connection.checkedQuery("""
            SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relreplident = 'f' AND c.oid = ANY (SELECT to_regclass(t) FROM unnest(\(wanted)::text[]) AS t)
            """, logger: logger, doing: "reading replica identities")
        for try await table in identity.decode(String.self) { current.fullIdentityTables.insert(table) }
        let triggers = try await connection.checkedQuery("""
            SELECT n.nspname || '.' || c.relname, coalesce(obj_description(t.tgfoid, 'pg_proc'), '')
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE t.tgname = 'cutover_capture' AND NOT t.tgisinternal
            """, logger: logger, doing: "reading capture triggers")
        for try await (table, comment) in triggers.decode((String, String).self) {
            let prefix = "cutover capture: "
            current.triggerColumns[table] = comment.hasPrefix(prefix)
                ? comment.dropFirst(prefix.count).split(separator: ",").map(String.init) : []
        }
        return current
    }

    func exec(_ connection: PostgresConnection, _ sql: String, doing what: String) async throws {
        try await connection.checkedExecute(sql, logger: logger, doing: what)
    }
}
