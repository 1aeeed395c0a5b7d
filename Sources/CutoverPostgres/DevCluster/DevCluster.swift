import CutoverCore
import Foundation
import Logging
import PostgresNIO

/// A throwaway PostgreSQL cluster on loopback, owned by the project: `cutover dev up | down | status`.
///
/// The same code starts the test suite's cluster. Nothing the user made is ever deleted: a data
/// folder that is not ours, or half made, stops with an error that says what to do.
public struct DevCluster: Sendable {
    /// The cluster's data folder (absolute).
    public var dataDirectory: String
    /// The configured port, or 0 for a free one.
    public var requestedPort: Int
    /// Faster but not crash-safe settings (fsync off), for test clusters.
    public var fastAndUnsafe: Bool
    /// `wal_level` of the cluster: `logical` (change capture through the WAL) unless a test needs
    /// a server without it.
    public var walLevel = "logical"
    public var logger: Logger

    public init(dataDirectory: String, requestedPort: Int = 0, fastAndUnsafe: Bool = false, logger: Logger) {
        // A symlinked data folder (see `relocateIfUnreachable`) is used through its real path.
        self.dataDirectory = Self.resolved(Self.absolute(dataDirectory))
        self.requestedPort = requestedPort
        self.fastAndUnsafe = fastAndUnsafe
        self.logger = logger
    }

    /// Where the cluster stands.
    public enum Status: Sendable, Equatable {
        case notInitialized
        case stopped(DevClusterState)
        case running(DevClusterState)
    }

    /// The server log file.
    public var logFile: String { dataDirectory + "/cutover-server.log" }

    var runner: ProcessRunner { ProcessRunner(runAsUser: ProcessRunner.isRoot ? "postgres" : nil) }

    /// The current status, without changing anything.
    public func status() throws -> Status {
        guard let state = try inspectExisting() else { return .notInitialized }
        let binaries = PostgresBinaries(directory: state.binDirectory, majorVersion: state.majorVersion)
        let result = try runner.run(binaries.pgCtl, ["-D", dataDirectory, "status"])
        return result.status == 0 ? .running(state) : .stopped(state)
    }

    /// Initialises (first time) and starts the cluster; returns its state. Idempotent.
    @discardableResult
    public mutating func up(progress: (String) -> Void = { _ in }) async throws -> DevClusterState {
        var state: DevClusterState
        let current = self
        switch try await OffPool.run({ try current.status() }) {
        case .running(let existing):
            try await ensureDatabase(existing)
            return existing
        case .stopped(let existing):
            state = existing
        case .notInitialized:
            try relocateIfUnreachable(progress: progress)
            progress("initialising a new cluster in \(dataDirectory)")
            let initialising = self
            state = try await OffPool.run { try initialising.initialise() }
        }
        state = try choosePort(state)
        progress("starting PostgreSQL \(state.majorVersion) on 127.0.0.1:\(state.port)")
        let starting = self, chosen = state
        try await OffPool.run { try starting.start(chosen) }
        try await waitUntilAccepting(state)
        try await ensureDatabase(state)
        return state
    }

    /// Stops the cluster (fast shutdown: open transactions are rolled back). Idempotent.
    public func down() throws {
        guard case .running(let state) = try status() else { return }
        let binaries = PostgresBinaries(directory: state.binDirectory, majorVersion: state.majorVersion)
        let result = try runner.run(binaries.pgCtl, ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
        guard result.succeeded else {
            throw DatabaseError(.clusterCommandFailed, "pg_ctl stop failed: \(result.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// Stops at once without a checkpoint (for test teardown) and removes the folder. Only for
    /// folders this process created.
    public func destroy() {
        if let state = DevClusterState.read(dataDirectory: dataDirectory) {
            let binaries = PostgresBinaries(directory: state.binDirectory, majorVersion: state.majorVersion)
            _ = try? runner.run(binaries.pgCtl, ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    // MARK: - Steps

    /// Returns the recorded state of an existing cluster, `nil` for an absent or empty folder, and
    /// throws for folders that are not ours.
    func inspectExisting() throws -> DevClusterState? {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: dataDirectory, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else {
            throw DatabaseError(.dataDirectoryForeign, "\(dataDirectory) exists and is not a folder; nothing was changed. Choose another dev.dataDirectory",
                                context: ["path": dataDirectory])
        }
        let contents = (try? fm.contentsOfDirectory(atPath: dataDirectory)) ?? []
        if contents.isEmpty { return nil }
        let hasVersion = contents.contains("PG_VERSION")
        let state = DevClusterState.read(dataDirectory: dataDirectory)
        switch (hasVersion, state) {
        case (true, let state?):
            return state
        case (true, nil):
            throw DatabaseError(.dataDirectoryForeign,
                                "\(dataDirectory) holds a PostgreSQL cluster that `cutover dev up` did not make (no \(DevClusterState.filename)); nothing was changed. Use it through database.url, or remove the folder yourself if it is a leftover, or set dev.dataDirectory",
                                context: ["path": dataDirectory])
        case (false, .some):
            throw DatabaseError(.dataDirectoryIncomplete,
                                "\(dataDirectory) is a half-initialised cluster (initdb did not finish); nothing was deleted. Remove the folder (rm -rf \(dataDirectory)) and run `cutover dev up` again",
                                context: ["path": dataDirectory])
        case (false, nil):
            throw DatabaseError(.dataDirectoryForeign,
                                "\(dataDirectory) is not empty and is not a PostgreSQL cluster; nothing was changed. Choose another dev.dataDirectory or move its files away",
                                context: ["path": dataDirectory])
        }
    }

    /// As root, the server runs as the `postgres` OS user, which may not be allowed through the
    /// project's parent folders (a checkout under /root). Then the data lives under /var/tmp and the
    /// configured path becomes a symlink to it, so the user still finds it where they expect.
    private mutating func relocateIfUnreachable(progress: (String) -> Void) throws {
        guard ProcessRunner.isRoot else { return }
        let fm = FileManager.default
        let parent = (dataDirectory as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if try runner.run("/usr/bin/test", ["-x", parent]).succeeded { return }
        let hash = SHA256.hex(dataDirectory).prefix(12)
        let relocated = "/var/tmp/cutover-\(hash)/pg"
        try fm.createDirectory(atPath: (relocated as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if fm.fileExists(atPath: relocated), !((try? fm.contentsOfDirectory(atPath: relocated)) ?? []).isEmpty {
            throw DatabaseError(.dataDirectoryForeign, "\(relocated) (the relocated data folder for \(dataDirectory)) is not empty; nothing was changed. Remove it or set dev.dataDirectory",
                                context: ["path": relocated])
        }
        if (try? fm.destinationOfSymbolicLink(atPath: dataDirectory)) == nil {
            if fm.fileExists(atPath: dataDirectory) { try fm.removeItem(atPath: dataDirectory) }  // empty, checked by inspectExisting
            try fm.createSymbolicLink(atPath: dataDirectory, withDestinationPath: relocated)
        }
        progress("the postgres OS user cannot enter \(parent); keeping the data in \(relocated) (linked from \(dataDirectory))")
        dataDirectory = relocated
    }

    private func initialise() throws -> DevClusterState {
        let binaries = try PostgresBinaries.locate()
        let fm = FileManager.default
        let parent = (dataDirectory as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: dataDirectory) {
            try fm.createDirectory(atPath: dataDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        }
        if ProcessRunner.isRoot {
            try Self.handToPostgres(dataDirectory)
            let probe = try runner.run("/usr/bin/test", ["-w", dataDirectory])
            guard probe.succeeded else {
                throw DatabaseError(.dataDirectoryForeign,
                                    "the postgres OS user cannot write \(dataDirectory); set dev.dataDirectory to a folder under /tmp or /var/tmp",
                                    context: ["path": dataDirectory])
            }
        }
        let password = Self.randomPassword()
        let pwfile = NSTemporaryDirectory() + "cutover-pw-\(UUID().uuidString)"
        guard fm.createFile(atPath: pwfile, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw DatabaseError(.clusterCommandFailed, "cannot write a temporary password file in \(NSTemporaryDirectory())")
        }
        defer { try? fm.removeItem(atPath: pwfile) }
        if ProcessRunner.isRoot { try Self.handToPostgres(pwfile) }
        let result = try runner.run(binaries.initdb, [
            "-D", dataDirectory, "-U", "cutover", "--pwfile=\(pwfile)", "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions",
        ])
        guard result.succeeded else {
            // The folder was empty or absent before this run (inspectExisting checked): remove what
            // initdb half-made so the next `dev up` starts clean.
            try? fm.removeItem(atPath: dataDirectory)
            throw DatabaseError(.clusterCommandFailed, "initdb failed: \(result.output.suffix(600))",
                                context: ["path": dataDirectory])
        }
        var settings = """

            # --- written by cutover dev up ---
            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            shared_buffers = '256MB'
            work_mem = '16MB'
            maintenance_work_mem = '256MB'
            max_connections = 200
            max_wal_size = '2GB'
            log_min_messages = warning
            log_line_prefix = '%m [%p] %q%u@%d '
            # change capture streams a logical replication slot per database
            wal_level = \(walLevel)
            # the engine's schema is named like this cluster's user (cutover): without "$user" in the
            # search path, unqualified objects of migrations go to public, not into the engine's schema
            search_path = 'public'

            """
        if fastAndUnsafe {
            // The test suite's cluster: many tests at once, each with pools, listeners and child
            // `cutover serve` processes of its own.
            settings += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 500\n"
                + "max_replication_slots = 400\nmax_wal_senders = 100\nmax_slot_wal_keep_size = '1GB'\n"
        } else {
            settings += "max_replication_slots = 20\nmax_wal_senders = 20\nmax_slot_wal_keep_size = '4GB'\n"
        }
        let conf = dataDirectory + "/postgresql.conf"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: conf))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
        let state = DevClusterState(port: requestedPort, portIsAutomatic: requestedPort == 0, user: "cutover", password: password,
                                    database: "cutover", binDirectory: binaries.directory, majorVersion: binaries.majorVersion,
                                    createdAt: ISO8601DateFormatter().string(from: Date()))
        try state.write(dataDirectory: dataDirectory)
        return state
    }

    private func choosePort(_ state: DevClusterState) throws -> DevClusterState {
        var state = state
        if requestedPort != 0 {
            state.port = requestedPort
            state.portIsAutomatic = false
        } else if !state.portIsAutomatic {
            state.portIsAutomatic = true
        }
        if state.port == 0 || (state.portIsAutomatic && !FreePort.isFree(state.port)) {
            guard let port = FreePort.find() else {
                throw DatabaseError(.portInUse, "no free TCP port on 127.0.0.1")
            }
            state.port = port
        }
        guard FreePort.isFree(state.port) else {
            throw DatabaseError(.portInUse,
                                "port \(state.port) on 127.0.0.1 is in use by another program; set dev.port to another port or to 0 for a free one",
                                context: ["port": "\(state.port)"])
        }
        try state.write(dataDirectory: dataDirectory)
        return state
    }

    private func start(_ state: DevClusterState) throws {
        let binaries = PostgresBinaries(directory: state.binDirectory, majorVersion: state.majorVersion)
        // A stale postmaster.pid from a crash is handled by postgres itself.
        let result = try runner.run(binaries.pgCtl, ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", "-p \(state.port) -c wal_level=\(walLevel)", "start"])
        guard result.succeeded else {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8))?.split(separator: "\n").suffix(8).joined(separator: "\n") ?? ""
            if log.contains("Address already in use") {
                throw DatabaseError(.portInUse, "port \(state.port) on 127.0.0.1 is in use; set dev.port to another port or 0",
                                    context: ["port": "\(state.port)"])
            }
            throw DatabaseError(.clusterCommandFailed,
                                "PostgreSQL did not start: \(result.output.trimmingCharacters(in: .whitespacesAndNewlines))\n\(log)\n(full log: \(logFile))")
        }
    }

    private func waitUntilAccepting(_ state: DevClusterState) async throws {
        let target = DatabaseTarget(url: state.url.with(database: "postgres"), poolSize: 1, connectTimeoutSeconds: 2)
        var lastError: (any Error)?
        for _ in 0..<100 {
            do {
                let connection = try await Database.connect(target, logger: logger)
                try? await connection.close()
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError ?? DatabaseError(.clusterCommandFailed, "PostgreSQL did not accept connections within 10 s")
    }

    private func ensureDatabase(_ state: DevClusterState) async throws {
        let target = DatabaseTarget(url: state.url.with(database: "postgres"), poolSize: 1)
        try await Database.withConnection(target, logger: logger) { connection in
            try await DatabaseAdmin.createDatabaseIfMissing(state.database, on: connection, logger: logger)
        }
    }

    /// Gives `path` to the `postgres` OS user, which runs the server when we run as root.
    static func handToPostgres(_ path: String) throws {
        let result = try ProcessRunner(runAsUser: nil).run("/bin/chown", ["postgres:postgres", path])
        guard result.succeeded else {
            throw DatabaseError(.clusterCommandFailed, "cannot hand \(path) to the postgres OS user: \(result.output)")
        }
    }

    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    static func resolved(_ path: String) -> String {
        guard let destination = try? FileManager.default.destinationOfSymbolicLink(atPath: path) else { return path }
        return destination.hasPrefix("/") ? destination
            : (((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(destination) as NSString).standardizingPath
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        return ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }
}

extension DatabaseURL {
    /// The same URL pointing at another database.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }
}
