import CutoverPostgres
import Foundation

/// A small PostgreSQL cluster of one test's own, migrated (WAL capture) and seeded: for tests
/// that stop and start the server under a projector or the read API.
struct PrivateCluster: Sendable {
    let cluster: DevCluster
    let db: DatabaseTarget

    /// Starts a cluster in a new temp folder named after `name`.
    static func start(_ name: String, customers: Int, seed: Int64) async throws -> PrivateCluster {
        let root = NSTemporaryDirectory() + "cutover-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        var starter = DevCluster(dataDirectory: root + "/pg", fastAndUnsafe: true, logger: TestCluster.logger)
        let state = try await starter.up()
        let db = DatabaseTarget(url: state.url, connectTimeoutSeconds: 30)  // a loaded suite: see TestCluster
        let cluster = PrivateCluster(cluster: starter, db: db)
        do {
            try await TestCluster.migrate(db)
            try await TestCluster.seed(db, customers: customers, seed: seed)
        } catch {
            cluster.destroy()
            throw error
        }
        return cluster
    }

    /// Stops the server (fast shutdown), off the cooperative pool.
    func stop() async throws {
        let cluster = self.cluster
        try await OffPool.run { try cluster.down() }
    }

    /// Starts it again on the same port.
    func start() async throws {
        var again = cluster
        _ = try await again.up()
    }

    /// Stops it at once and removes its folder.
    func destroy() {
        cluster.destroy()
    }
}
