import ArgumentParser
import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation

/// `cutover projections validate | capture`: the reviewed projection definitions.
struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Validate projection definitions and generate their change-capture migration.",
        subcommands: [Validate.self, Capture.self]
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load and check every projections/<name>/ folder, and its source tables against the database.",
            discussion: """
                The source tables (any schema) and their captured columns are checked against the configured database \
                (--database-url, database.*, or the running dev cluster). --offline checks the files only.
                """)
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Check the files only, not the source tables against a database.") var offline = false

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let projections = try ProjectionLoader.load(directory: config.projectionsDirectory)
                if !offline {
                    let logger = options.makeLogger(config)
                    let target = try options.databaseTarget(config, logger: logger)
                    try await Database.withConnection(target, logger: logger) { connection in
                        try await ProjectionCatalogCheck(directory: config.projectionsDirectory, logger: logger).check(projections, on: connection)
                    }
                }
                for p in projections {
                    print("✓ \(p.name) v\(p.version): key \(p.keyColumn) (\(p.keyType.rawValue)), \(p.sources.count) source table(s) → \(p.table), view \(p.view)")
                }
                if offline { FileHandle.standardError.write(Data("(--offline: source tables not checked against a database)\n".utf8)) }
            }
        }
    }

    struct Capture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the change-capture migration for the current projections (a new V###__projection_capture.sql when it changed).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Only check that the newest capture migration matches the projections (exit 65 if not).") var check = false

        func run() async throws {
            try await CLIErrors.run {
                let config = try await options.loadConfig()
                let projections = try ProjectionLoader.load(directory: config.projectionsDirectory)
                let rendered = CaptureMigration.render(projections)
                let catalog = try MigrationSource.load(directory: config.migrationsDirectory)
                let latest = catalog.files.last { $0.name.hasSuffix("projection_capture") }
                if let latest, latest.sql == rendered {
                    print("\(latest.filename) matches the projections")
                    return
                }
                if check {
                    throw CoreError(.checksumDrift, latest.map { "\($0.filename) does not match projections/; run `cutover projections capture` to write a new migration" }
                        ?? "no capture migration yet; run `cutover projections capture`")
                }
                let version = (catalog.files.last?.version ?? 0) + 1
                let filename = String(format: "V%03d__projection_capture.sql", version)
                let path = config.migrationsDirectory + "/" + filename
                try rendered.write(toFile: path, atomically: true, encoding: .utf8)
                print("wrote \(path); apply it with `cutover migrate`")
            }
        }
    }
}
