import CutoverCore
import CutoverPostgres
import Logging

/// The set-up of a database for the demo, the bench and the tests, as the commands a user runs:
/// `cutover init`, `cutover migrate`, `cutover projections apply`.
public struct DatabaseSetup: Sendable {
    public var target: DatabaseTarget
    public var capture: EngineInstaller.CaptureMode
    public var directory: ReaderDirectory
    public var migrationsDirectory: String
    public var projectionsDirectory: String
    public var binaryVersion: String
    public var logger: Logger

    public init(target: DatabaseTarget, capture: EngineInstaller.CaptureMode = .wal, directory: ReaderDirectory,
                migrationsDirectory: String, projectionsDirectory: String, binaryVersion: String, logger: Logger) {
        self.target = target
        self.capture = capture
        self.directory = directory
        self.migrationsDirectory = migrationsDirectory
        self.projectionsDirectory = projectionsDirectory
        self.binaryVersion = binaryVersion
        self.logger = logger
    }

    /// Runs the three steps; `report` gets one line per thing done.
    public func run(report: @Sendable (String) -> Void = { _ in }) async throws {
        let plan = try await EngineInstaller(target: target, binaryVersion: binaryVersion, logger: logger)
            .install(capture: capture, directory: directory) { event in
                if case .stepInstalled(let step, let ms) = event { report("engine step \(step.version) \(step.name) (\(ms) ms)") }
            }
        if plan.pending.isEmpty { report("engine version \(EngineSchema.version) already installed (\(plan.capture.rawValue) capture)") }
        let catalog = try MigrationSource.load(directory: migrationsDirectory)
        try await Migrator(target: target, catalog: catalog, logger: logger).up { event in
            if case .finished(let file, _) = event { report("applied \(file.filename)") }
        }
        let projections = try ProjectionLoader.load(directory: projectionsDirectory)
        try await Database.withConnection(target, logger: logger) { connection in
            let applier = CaptureApplier(directory: projectionsDirectory, logger: logger)
            let capturePlan = try await applier.plan(projections, on: connection)
            try await applier.apply(capturePlan, projections: projections, on: connection)
            report(capturePlan.isEmpty ? "capture matches the projections"
                                       : "capture: \(capturePlan.actions.count) change(s) for \(CaptureSQL.capturedColumns(projections).count) source tables")
        }
    }
}
