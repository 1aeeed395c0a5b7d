import CutoverCore
import CutoverPostgres
import CutoverProjector
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// One throwaway PostgreSQL cluster per test run, started with the same `DevCluster` code as
/// `cutover dev up`, in `$CUTOVER_TEST_ROOT` (set by scripts/test.sh) or a fresh temp folder.
/// Each test takes a fresh database from it. Torn down when the test process exits.
actor TestCluster {
    /// Databases without change capture through the WAL (migrator, CLI and trigger-fallback tests).
    static let shared = TestCluster(name: "pg")
    /// Databases with WAL capture (the shipped default: every test that runs a projector). A
    /// cluster of their own: every logical slot decodes all WAL of its cluster and creating one
    /// waits for every writing transaction of the cluster, so the migrator's long lock tests and
    /// bulk loads of the other tests stay out of their way.
    static let capture = TestCluster(name: "pg-capture")
    /// A server with `wal_level = replica`: where capture through the WAL is impossible.
    static let replicaLevel = TestCluster(name: "pg-replica", walLevel: "replica")

    /// The cluster's folder name under the test root.
    let name: String

    let walLevel: String

    init(name: String, walLevel: String = "logical") {
        self.name = name
        self.walLevel = walLevel
    }

    // Tasks, not values: the actor is re-entrant across awaits, and concurrent tests must share
    // one start-up and one template build instead of racing to make their own.
    private var startup: Task<DevClusterState, any Error>?
    private var templates: [String: Task<String, any Error>] = [:]
    private static let dataDirectories = Mutex<[String]>([])

    static let logger: Logger = {
        var logger = Logger(label: "cutover.tests")
        logger.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["CUTOVER_TEST_LOG"] ?? "warning") ?? .warning
        return logger
    }()

    /// The repository root (for migrations/ and the built binary).
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var migrationsDirectory: String { repositoryRoot + "/migrations" }

    /// Starts the cluster on first use.
    func clusterState() async throws -> DevClusterState {
        if let startup { return try await startup.value }
        let task = Task { [name, walLevel] in try await Self.start(name: name, walLevel: walLevel) }
        startup = task
        return try await task.value
    }

    private static func start(name: String, walLevel: String) async throws -> DevClusterState {
        let root: String
        if let configured = ProcessInfo.processInfo.environment["CUTOVER_TEST_ROOT"], !configured.isEmpty {
            root = configured
        } else {
            root = NSTemporaryDirectory() + "cutover-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let dir = root + "/\(name)-\(getpid())"
        let first = Self.dataDirectories.withLock { directories in
            directories.append(dir)
            return directories.count == 1
        }
        if first { atexit { TestCluster.teardown() } }
        var cluster = DevCluster(dataDirectory: dir, requestedPort: 0, fastAndUnsafe: true, logger: Self.logger)
        cluster.walLevel = walLevel
        return try await cluster.up()
    }

    /// Stops the cluster and removes its folder (runs at process exit).
    static func teardown() {
        if ProcessInfo.processInfo.environment["CUTOVER_TEST_KEEP_CLUSTER"] == "1" { return }
        for dir in dataDirectories.withLock({ $0 }) {
            DevCluster(dataDirectory: dir, logger: logger).destroy()
        }
    }

    /// A target for the maintenance database.
    func adminTarget() async throws -> DatabaseTarget {
        let state = try await clusterState()
        // A connect timeout for a suite sharing two cores: connections took over 5 s to open in a
        // loaded full run (the 5 s default itself is tested in ConnectionFailureTests).
        return DatabaseTarget(url: state.url.with(database: "postgres"), poolSize: 2, connectTimeoutSeconds: 30, applicationName: "cutover-tests")
    }

    /// A fresh database with the engine schema installed (`cutover init`; trigger capture on
    /// ``shared``, WAL capture on ``capture``) and nothing else: the migrator's and the CLI's tests.
    func freshDatabase(prefix: String = "t") async throws -> DatabaseTarget {
        let capture: Capture = self === Self.capture ? .wal : .triggers
        let template = try await templateDatabase(key: "engine_\(capture)") { target in
            try await Self.installEngine(target, capture: capture)
        }
        return try await emptyDatabase(prefix: prefix, template: template)
    }

    /// A fresh, empty database (a clone of `template` when given).
    func emptyDatabase(prefix: String = "t", template: String? = nil) async throws -> DatabaseTarget {
        let admin = try await adminTarget()
        let name = "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        // A template's builder may have just closed its connections (a projector's five): PostgreSQL
        // refuses to copy a database with sessions (55006) until their backends have exited.
        var attempt = 0
        while true {
            do {
                try await Database.withConnection(admin, logger: Self.logger) { connection in
                    try await DatabaseAdmin.createDatabaseIfMissing(name, template: template, on: connection, logger: Self.logger)
                }
                return admin.with(database: name)
            } catch let error as DatabaseError where error.sqlState == "55006" && attempt < 100 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// How a test database captures changes: `.wal`, the shipped default, on ``capture``; the
    /// trigger fallback (every migration but WAL capture, V009) only in the tests about it.
    enum Capture: String, Sendable { case triggers, wal }

    /// The cluster that hosts databases of `capture`.
    static func cluster(for capture: Capture) -> TestCluster {
        capture == .wal ? Self.capture : Self.shared
    }

    /// A fresh database with every migration applied (with `.triggers`, all but WAL capture).
    func migratedDatabase(capture: Capture = .wal) async throws -> DatabaseTarget {
        let host = Self.cluster(for: capture)
        if host !== self { return try await host.migratedDatabase(capture: capture) }
        let template = try await templateDatabase(key: "migrated_\(capture)") { target in
            try await Self.migrate(target, capture: capture)
        }
        return try await emptyDatabase(template: template)
    }

    /// A fresh database, migrated and seeded with `customers` customers (seed 42).
    func seededDatabase(customers: Int = 1500, capture: Capture = .wal) async throws -> DatabaseTarget {
        let host = Self.cluster(for: capture)
        if host !== self { return try await host.seededDatabase(customers: customers, capture: capture) }
        let template = try await templateDatabase(key: "seeded_\(customers)_\(capture)") { target in
            try await Self.migrate(target, capture: capture)
            try await Self.seed(target, customers: customers, seed: 42)
        }
        return try await emptyDatabase(template: template)
    }

    /// A fresh database, migrated, seeded and with every projection built and caught up.
    func projectedDatabase(customers: Int = 1500, capture: Capture = .wal) async throws -> DatabaseTarget {
        let host = Self.cluster(for: capture)
        if host !== self { return try await host.projectedDatabase(customers: customers, capture: capture) }
        let template = try await templateDatabase(key: "projected_\(customers)_\(capture)") { target in
            try await Self.migrate(target, capture: capture)
            try await Self.seed(target, customers: customers, seed: 42)
            try await ProjectorHarness.withProjector(target) { try await ProjectorHarness.waitUntilCaughtUp(target, timeout: .seconds(60)) }
            // Clones copy this database: wait until the projector's sessions are gone.
            for _ in 0..<100 {
                let others = try await SQL.scalar(target, "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
                if others == "0" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return try await emptyDatabase(template: template)
    }

    /// Builds a template database once per key; clones are cheap (`CREATE DATABASE … TEMPLATE`).
    private func templateDatabase(key: String, build: @escaping @Sendable (DatabaseTarget) async throws -> Void) async throws -> String {
        if let existing = templates[key] { return try await existing.value }
        // The task goes in before the first await: the actor is re-entrant, and concurrent tests
        // asking for the same template must share one build, not start one each.
        let task = Task {
            let target = try await self.emptyDatabase(prefix: "tmpl_\(key)")
            do {
                try await build(target)
            } catch {
                // PSQLError describes itself generically: say what failed building which template.
                throw TemplateBuildFailed(key: key, detail: String(reflecting: error))
            }
            // Clones get capture slots of their own (the projector creates one and rebuilds); the
            // template's would only hold WAL back for the rest of the run.
            for _ in 0..<100 {
                let active = try await SQL.scalar(target, "SELECT count(*)::text FROM pg_replication_slots WHERE database = current_database() AND active")
                if active == "0" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await SQL.exec(target, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()")
            return target.url.database
        }
        templates[key] = task
        return try await task.value
    }

    /// `cutover init` as a library call, with the directory queries of the shipped configuration.
    static func installEngine(_ target: DatabaseTarget, capture: Capture) async throws {
        let config = try await ConfigLoader(filePath: repositoryRoot + "/config/cutover.yaml", environment: [:]).load()
        _ = try await EngineInstaller(target: target, binaryVersion: "test", logger: logger)
            .install(capture: capture == .wal ? .wal : .triggers, directory: config.directory)
    }

    /// `cutover init`, `cutover migrate` and `cutover projections apply`, as library calls.
    static func migrate(_ target: DatabaseTarget, capture: Capture = .wal) async throws {
        try await installEngine(target, capture: capture)
        try await Migrator(target: target, catalog: try MigrationSource.load(directory: migrationsDirectory), logger: logger).up()
        let projections = try ProjectionLoader.load(directory: repositoryRoot + "/projections")
        try await Database.withConnection(target, logger: logger) { connection in
            let applier = CaptureApplier(directory: "projections", logger: logger)
            try await applier.apply(try await applier.plan(projections, on: connection), projections: projections, on: connection)
        }
    }

    static func seed(_ target: DatabaseTarget, customers: Int, seed: Int64) async throws {
        let options = try SeedOptions(customers: customers, seed: seed)
        try await Database.withConnection(target, logger: logger) { connection in
            try await Seeder(options: options, logger: logger).run(on: connection)
        }
    }
}

/// A template database could not be built; `detail` is the full error.
struct TemplateBuildFailed: Error, CustomStringConvertible {
    var key: String
    var detail: String
    var description: String { "building template \(key) failed: \(detail)" }
}
