import CutoverCore
import Logging
import PostgresNIO

/// Loads deterministic FreshFoodz demo data with set-based SQL (`SQL/seed.sql`).
///
/// The script is a list of steps (`-- step: label`), each one statement; the whole seed runs in
/// one transaction so a failure leaves the previous data untouched. Change capture is off for the
/// load; installed projections are marked for a full rebuild in the same transaction.
public struct Seeder: Sendable {
    /// One step of the seed script.
    public struct Step: Sendable, Equatable {
        public var label: String
        public var sql: String
    }

    /// Progress of a seed run.
    public enum Event: Sendable {
        case step(index: Int, of: Int, label: String)
        case stepFinished(index: Int, of: Int, label: String, milliseconds: Int)
    }

    public var options: SeedOptions
    public var logger: Logger

    public init(options: SeedOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// The steps with the placeholders substituted.
    public func steps() throws -> [Step] {
        let script = SQLResources.text("seed")
            .replacingOccurrences(of: "{{seed}}", with: "\(options.seed)")
            .replacingOccurrences(of: "{{customers}}", with: "\(options.customers)")
            .replacingOccurrences(of: "{{as_of}}", with: "'\(options.asOf)'")
        return try Self.parseSteps(script)
    }

    /// Splits a script on `-- step: label` lines; each step may hold several statements.
    static func parseSteps(_ script: String) throws -> [Step] {
        var steps: [Step] = []
        var label: String?
        var buffer: [Substring] = []
        func flush() throws {
            guard let current = label else { return }
            let text = buffer.joined(separator: "\n")
            for (i, statement) in try SQLStatementSplitter().split(text).enumerated() {
                steps.append(Step(label: i == 0 ? current : "\(current) (\(i + 1))", sql: statement.sql))
            }
        }
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("-- step:") {
                try flush()
                label = String(trimmed.dropFirst("-- step:".count)).trimmingWhitespace()
                buffer = []
            } else if label != nil {
                buffer.append(line)
            }
        }
        try flush()
        return steps
    }

    /// Runs the seed on `connection` in one transaction.
    public func run(on connection: PostgresConnection, progress: @Sendable (Event) -> Void = { _ in }) async throws {
        let steps = try steps()
        // Bulk load: no per-row change capture; the projections are rebuilt from scratch instead.
        let marked = await BulkLoadOrigin.mark(connection, logger: logger)
        do {
            try await connection.query("BEGIN", logger: logger)
            // The same for databases still on trigger capture (before the WAL capture migration).
            try await connection.query("SET LOCAL cutover.capture = 'off'", logger: logger)
            for (i, step) in steps.enumerated() {
                progress(.step(index: i + 1, of: steps.count, label: step.label))
                let start = ContinuousClock.now
                try await connection.checkedQuery(PostgresQuery(unsafeSQL: step.sql), logger: logger, doing: step.label)
                progress(.stepFinished(index: i + 1, of: steps.count, label: step.label, milliseconds: start.millisecondsElapsed))
            }
            let rows = try await connection.query("SELECT to_regprocedure('cutover.request_rebuild_all()') IS NOT NULL", logger: logger)
            var captureInstalled = false
            for try await value in rows.decode(Bool.self) { captureInstalled = value }
            if captureInstalled {
                try await connection.query("SELECT cutover.request_rebuild_all()", logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
            if marked { await BulkLoadOrigin.unmark(connection, logger: logger) }
            if captureInstalled { await BulkLoadOrigin.skipBacklog(connection, logger: logger) }
        } catch {
            _ = try? await connection.checkedQuery("ROLLBACK", logger: logger, doing: "rollback")
            if marked { await BulkLoadOrigin.unmark(connection, logger: logger) }
            let translated = Database.translate(error, doing: "seeding")
            throw DatabaseError(.seedFailed, "\(translated.message); nothing was changed", sqlState: translated.sqlState)
        }
    }
}
