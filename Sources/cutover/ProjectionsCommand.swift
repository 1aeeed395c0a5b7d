import ArgumentParser
import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation

/// `cutover projections validate | apply`: the reviewed projection definitions.
struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Validate projection definitions and make change capture follow them.",
        subcommands: [Validate.self, Apply.self]
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load and check every projections/<name>/ folder and its views, against the database.",
            discussion: """
                The source tables (any schema) and their captured columns are checked against the configured database \
                (--database-url, database.*, or the running dev cluster); so are the declared views \
                (projections/<name>/views/*.yaml): both SQLs compile and return the columns the fields, orders and \
                filters use, with fitting and equal types; every statement a view can run plans (the read model's as \
                cutover_reader); each view's flag exists and switches it. Every problem is named with file and line. \
                --offline checks the files only. Exit 65 when anything is wrong.
                """)
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Check the files only, not the source tables against a database.") var offline = false

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let projections = try ProjectionLoader.load(directory: config.projectionsDirectory)
                let views = try ViewLoader.load(directory: config.projectionsDirectory)
                if !offline {
                    let logger = options.makeLogger(config)
                    let target = try await options.engineTarget(config, logger: logger, applicationName: "cutover projections validate")
                    let problems = try await Database.withConnection(target, logger: logger) { connection in
                        try await ProjectionCatalogCheck(directory: config.projectionsDirectory, logger: logger).check(projections, on: connection)
                        return try await ViewCatalogCheck(logger: logger).problems(views, on: connection)
                    }
                    if !problems.isEmpty {
                        for problem in problems { FileHandle.standardError.write(Data("✗ \(problem)\n".utf8)) }
                        throw CoreError(.invalidView, "\(problems.count) problem(s) in the declared views; nothing is served until they are fixed")
                    }
                }
                for p in projections {
                    print("✓ \(p.name) v\(p.version): key \(p.keyColumn) (\(p.keyType.rawValue)), \(p.sources.count) source table(s) → \(p.table), view \(p.view)")
                    for view in views where view.projection == p.name {
                        print("  ✓ \(view.name) GET \(view.route) (flag \(view.flag), \(view.parameters.count) parameter(s), \(view.fields.count) field(s))")
                    }
                }
                if offline { FileHandle.standardError.write(Data("(--offline: source tables not checked against a database)\n".utf8)) }
            }
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make change capture follow the projections: capture exactly the tables projections/ reads (audited).",
            discussion: """
                In wal mode: publication cutover_capture lists the source tables, each with REPLICA IDENTITY FULL; \
                in triggers mode: one capture trigger per source table. Prints the plan, then applies each change in a \
                short transaction with lock_timeout (retried). A table that starts being captured marks the projections \
                reading it for a rebuild; a table no projection reads any more stops being captured. The projector \
                refuses to start until capture matches.
                """)
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the plan and change nothing (exit 1 when something would change).") var dryRun = false

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let projections = try ProjectionLoader.load(directory: config.projectionsDirectory)
                let logger = options.makeLogger(config)
                let target = try options.databaseTarget(config, logger: logger, applicationName: "cutover projections apply")
                let pending = try await Database.withConnection(target, logger: logger) { connection -> Bool in
                    try await EngineVersionCheck(logger: logger).require(connection, database: target.url.database)
                    let applier = CaptureApplier(directory: config.projectionsDirectory, logger: logger)
                    let plan = try await applier.plan(projections, on: connection)
                    let tables = CaptureSQL.capturedColumns(projections).map(\.table)
                    if plan.isEmpty {
                        print("capture (\(plan.mode.rawValue)) matches the projections: \(tables.joined(separator: ", "))")
                        return false
                    }
                    if dryRun {
                        print("plan (\(plan.mode.rawValue) capture of \(tables.joined(separator: ", "))):")
                        for action in plan.actions { print("  \(action.description)") }
                        return true
                    }
                    print("applying \(plan.actions.count) change(s) so that \(plan.mode.rawValue) capture covers \(tables.joined(separator: ", ")):")
                    try await applier.apply(plan, projections: projections, on: connection) { event in
                        switch event {
                        case .applied(let action): print("✓ \(action.description)")
                        case .lockTimeout(let action, let attempt, let of): print("lock_timeout on \(action.table), retrying (\(attempt)/\(of))")
                        case .rebuildRequested(let names): print("rebuild requested for \(names.joined(separator: ", ")) (their earlier changes were not captured)")
                        }
                        fflush(nil)
                    }
                    return false
                }
                if dryRun && pending {
                    print("--dry-run: nothing was changed (\(target.url.database))")
                    throw ExitCode(CLIErrors.checkFailed)
                }
            }
        }
    }
}
