import ArgumentParser

/// `cutover`: CQRS Light for the FreshFoodz CRM on PostgreSQL.
@main
struct Cutover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cutover",
        abstract: "Read models, zero-downtime migrations and reader switches for a PostgreSQL CRM.",
        discussion: """
            Exit codes: 0 ok · 1 check failed (drift) · 64 bad usage · 65 bad input data (migration file, \
            checksum drift) · 69 service unavailable (database, PostgreSQL binaries) · 70 internal error · \
            73 cannot create (data folder) · 75 temporary (lock held, port in use) · 78 bad configuration.
            """,
        version: CutoverVersion.current,
        subcommands: [InitCommand.self, UpgradeCommand.self, DemoCommand.self, DevCommand.self, MigrateCommand.self, SeedCommand.self, ProjectCommand.self,
                      ProjectorCommand.self, ProjectionsCommand.self, VerifyCommand.self, RebuildCommand.self, CalendarCommand.self, ServeCommand.self, FlagsCommand.self, TokensCommand.self, ReadersCommand.self, BackfillCommand.self, BenchCommand.self, ConfigCommand.self, OpenAPICommand.self]
    )
}
