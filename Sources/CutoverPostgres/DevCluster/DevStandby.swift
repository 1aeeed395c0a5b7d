import CutoverCore
import Foundation
import Logging

/// A hot standby of a dev cluster on loopback, made with `pg_basebackup -R` (streaming
/// replication): `cutover dev standby`, and the read API's replica tests.
public struct DevStandby: Sendable {
    /// The standby's data folder (absolute).
    public var dataDirectory: String
    public var logger: Logger

    public init(dataDirectory: String, logger: Logger) {
        self.dataDirectory = DevCluster.resolved(DevCluster.absolute(dataDirectory))
        self.logger = logger
    }

    var cluster: DevCluster { DevCluster(dataDirectory: dataDirectory, logger: logger) }

    /// Makes the standby from the running `primary` the first time, then starts it (idempotent).
    /// Returns the standby's state (its own port; the primary's credentials).
    @discardableResult
    public func up(primary: DevClusterState, progress: (String) -> Void = { _ in }) async throws -> DevClusterState {
        var cluster = self.cluster
        let inspected = cluster
        if case .notInitialized = try await OffPool.run({ try inspected.status() }) {
            progress("copying the primary (127.0.0.1:\(primary.port)) with pg_basebackup")
            let standby = self
            try await OffPool.run { try standby.basebackup(primary, progress: { _ in }) }
        }
        progress("starting the standby")
        return try await cluster.up(progress: progress)
    }

    /// Stops the standby (its data is kept).
    public func down() throws { try cluster.down() }

    /// Removes the standby (stops it first).
    public func destroy() { cluster.destroy() }

    private func basebackup(_ primary: DevClusterState, progress: (String) -> Void) throws {
        let fm = FileManager.default
        let runner = ProcessRunner(runAsUser: ProcessRunner.isRoot ? "postgres" : nil)
        try fm.createDirectory(atPath: (dataDirectory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !fm.fileExists(atPath: dataDirectory) {
            try fm.createDirectory(atPath: dataDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        }
        if ProcessRunner.isRoot { try DevCluster.handToPostgres(dataDirectory) }
        progress("copying the primary (127.0.0.1:\(primary.port)) with pg_basebackup")
        let binaries = PostgresBinaries(directory: primary.binDirectory, majorVersion: primary.majorVersion)
        let conninfo = "host=127.0.0.1 port=\(primary.port) user=\(primary.user) password=\(primary.password) dbname=postgres"
        let result = try runner.run(binaries.pgBasebackup, ["-d", conninfo, "-D", dataDirectory, "-X", "stream", "-R", "-c", "fast"])
        guard result.succeeded else {
            // Only what this call made is removed: the folder did not exist or was empty (status said so).
            try? fm.removeItem(atPath: dataDirectory)
            throw DatabaseError(.clusterCommandFailed, "pg_basebackup failed: \(result.output.suffix(600))", context: ["path": dataDirectory])
        }
        // The copy carries the primary's state file: give the standby a port of its own. A standby
        // that cannot be finished is removed, so the next `dev standby` starts clean.
        do {
            guard var state = DevClusterState.read(dataDirectory: dataDirectory) else {
                throw DatabaseError(.clusterCommandFailed, "the base backup has no \(DevClusterState.filename)", context: ["path": dataDirectory])
            }
            state.port = 0
            state.portIsAutomatic = true
            state.createdAt = ISO8601DateFormatter().string(from: Date())
            try state.write(dataDirectory: dataDirectory)  // hands the file to postgres, too
        } catch {
            try? fm.removeItem(atPath: dataDirectory)
            throw error
        }
    }
}
